namespace Berth.Runtime.Pods;

/// <summary>The node's security settings for the pods it runs itself (kubelet flags and
/// KubeletConfiguration fields of the same names).</summary>
public sealed record NodeSecurityOptions
{
    /// <summary>kubelet --seccomp-profile-root: where Localhost seccomp profiles are.</summary>
    public string SeccompProfileRoot { get; init; } = "/var/lib/kubelet/seccomp";

    /// <summary>kubelet --seccomp-default (seccompDefault): RuntimeDefault for every container
    /// that names no profile, instead of none.</summary>
    public bool SeccompDefault { get; init; }

    /// <summary>kubelet --allowed-unsafe-sysctls (allowedUnsafeSysctls): names or prefixes
    /// ending in '*' of namespaced sysctls outside the safe set that pods may set.</summary>
    public IReadOnlyList<string> AllowedUnsafeSysctls { get; init; } = [];
}
