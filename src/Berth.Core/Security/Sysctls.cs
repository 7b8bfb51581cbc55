namespace Berth.Core.Security;

/// <summary>Which kernel namespace a sysctl lives in; only these can be set for one pod.</summary>
public enum SysctlNamespace
{
    /// <summary>Not known to be namespaced: setting it would change the whole node.</summary>
    Unknown,
    Ipc,
    Net,
}

/// <summary>
/// The kubelet's sysctl rules (pkg/kubelet/sysctl/safe_sysctls.go, allowlist.go and
/// pkg/proc/sysctl namespace.go): a safe set every pod may use, unsafe ones the node allows by
/// pattern, and only sysctls of the IPC or network namespace, which must then be the pod's own.
/// </summary>
public static class Sysctls
{
    /// <summary>Safe on every kernel the kubelet supports.</summary>
    private static readonly string[] AlwaysSafe =
    [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];

    /// <summary>Safe only from the kernel that made them per network namespace
    /// (kubelet pkg/util/kernel constants.go).</summary>
    private static readonly (string Name, Version Kernel)[] SafeFromKernel =
    [
        ("net.ipv4.ip_local_reserved_ports", new Version(3, 16)),
        ("net.ipv4.tcp_rmem", new Version(4, 15)),
        ("net.ipv4.tcp_wmem", new Version(4, 15)),
    ];

    /// <summary>The safe set for a kernel; an unknown kernel gets only the always-safe ones.</summary>
    public static IReadOnlyList<string> SafeSet(Version? kernel) =>
        [.. AlwaysSafe, .. SafeFromKernel.Where(s => kernel is not null && kernel >= s.Kernel).Select(s => s.Name)];

    /// <summary>"net/ipv4/ip_forward" is the same sysctl as "net.ipv4.ip_forward"; with '/' as the
    /// separator a '.' belongs to a name part (as in an interface name), so the two swap.</summary>
    public static string Normalize(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || (dot >= 0 && dot < slash))
        {
            return name;
        }

        return string.Concat(name.Select(c => c switch { '/' => '.', '.' => '/', _ => c }));
    }

    /// <summary>kubelet pkg/proc/sysctl/namespace.go: the IPC sysctls and all of net.*.</summary>
    public static SysctlNamespace NamespaceOf(string name)
    {
        name = Normalize(name);
        if (name is "kernel.sem" || name.StartsWith("kernel.shm", StringComparison.Ordinal) || name.StartsWith("kernel.msg", StringComparison.Ordinal) || name.StartsWith("fs.mqueue.", StringComparison.Ordinal))
        {
            return SysctlNamespace.Ipc;
        }

        return name.StartsWith("net.", StringComparison.Ordinal) ? SysctlNamespace.Net : SysctlNamespace.Unknown;
    }

    /// <summary>A node's allowed-unsafe pattern: a name, or a prefix ending in '*'.</summary>
    public static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : name == pattern;

    /// <summary>
    /// Why the node refuses a pod's sysctl, in the kubelet's words (allowlist.go validateSysctl),
    /// or null when it may be set: it must be safe or match an allowed-unsafe pattern, and a
    /// sysctl of a namespace the pod shares with the host is refused.
    /// </summary>
    public static string? NodeRefusal(string name, IReadOnlyList<string> safe, IReadOnlyList<string> allowedUnsafe, bool hostNetwork, bool hostIpc)
    {
        name = Normalize(name);
        if (!safe.Contains(name) && !allowedUnsafe.Any(p => Matches(Normalize(p), name)))
        {
            return $"forbidden sysctl: \"{name}\" not allowlisted";
        }

        return NamespaceOf(name) switch
        {
            SysctlNamespace.Ipc when hostIpc => $"forbidden sysctl: \"{name}\" not allowed with host ipc enabled",
            SysctlNamespace.Net when hostNetwork => $"forbidden sysctl: \"{name}\" not allowed with host net enabled",
            SysctlNamespace.Unknown => $"forbidden sysctl: \"{name}\" is not known to be namespaced",
            _ => null,
        };
    }

    /// <summary>The node's --allowed-unsafe-sysctls must name namespaced sysctls (the kubelet
    /// refuses to start otherwise); returns the message for a pattern that does not.</summary>
    public static string? PatternProblem(string pattern)
    {
        var name = Normalize(pattern);
        var probe = name.EndsWith('*') ? name[..^1] : name;
        if (name.Length == 0 || name.IndexOf('*', StringComparison.Ordinal) is var star && star >= 0 && star != name.Length - 1)
        {
            return $"\"{pattern}\": a sysctl name, or a prefix ending in '*'";
        }

        // As the kubelet checks it: the pattern's fixed part must begin with a namespaced prefix
        // ("net.*", "kernel.shm*"); "kernel.*" would reach node-wide sysctls.
        return NamespaceOf(probe) != SysctlNamespace.Unknown ? null : $"the sysctls \"{pattern}\" are not known to be namespaced";
    }
}
