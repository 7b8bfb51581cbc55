namespace Berth.Core.Security.PodSecurity;

/// <summary>The three modes of a namespace's policy (pod-security-admission api.Policy): enforce
/// refuses a pod, audit records it, warn tells the user.</summary>
public sealed record PodSecurityPolicy(PodSecurityLevelVersion Enforce, PodSecurityLevelVersion Audit, PodSecurityLevelVersion Warn)
{
    /// <summary>PSA's defaults when nothing is configured: every mode privileged:latest.</summary>
    public static PodSecurityPolicy Privileged { get; } = new(
        PodSecurityLevelVersion.PrivilegedLatest, PodSecurityLevelVersion.PrivilegedLatest, PodSecurityLevelVersion.PrivilegedLatest);

    public bool FullyPrivileged =>
        Enforce.Level == PodSecurityLevel.Privileged && Audit.Level == PodSecurityLevel.Privileged && Warn.Level == PodSecurityLevel.Privileged;

    public override string ToString() => $"enforce={Enforce}, audit={Audit}, warn={Warn}";
}
