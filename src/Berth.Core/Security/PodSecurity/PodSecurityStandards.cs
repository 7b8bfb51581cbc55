using k8s.Models;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The Pod Security Standards as k8s.io/pod-security-admission evaluates them (policy/registry.go):
/// each check has variants that start at a version, and a policy version runs the newest variant
/// that started at or before it. Restricted runs every baseline check too, except those a
/// restricted variant replaces (capabilities, seccomp, hostPath volumes, procMount). Results come
/// in PSA's order: baseline checks by id, then restricted checks by id.
/// </summary>
public static class PodSecurityStandards
{
    private sealed record Variant(int FromMinor, Func<PodSecurityInput, PodSecurityViolation?> Check, params string[] Replaces);

    private sealed record Definition(string Id, PodSecurityLevel Level, params Variant[] Variants);

    private static readonly Definition[] Definitions =
    [
        new("appArmorProfile", PodSecurityLevel.Baseline, new Variant(0, BaselineChecks.AppArmorProfile)),
        new("capabilities_baseline", PodSecurityLevel.Baseline, new Variant(0, BaselineChecks.CapabilitiesBaseline)),
        new("hostNamespaces", PodSecurityLevel.Baseline, new Variant(0, HostChecks.HostNamespaces)),
        new("hostPathVolumes", PodSecurityLevel.Baseline, new Variant(0, HostChecks.HostPathVolumes)),
        new("hostPorts", PodSecurityLevel.Baseline, new Variant(0, HostChecks.HostPorts)),
        new("hostProbesAndHostLifecycle", PodSecurityLevel.Baseline, new Variant(34, HostChecks.HostProbesAndHostLifecycle)),
        new("privileged", PodSecurityLevel.Baseline, new Variant(0, BaselineChecks.Privileged)),
        new(
            "procMount",
            PodSecurityLevel.Baseline,
            new Variant(0, p => BaselineChecks.ProcMount(p, "procMount")),
            new Variant(35, p => p.InUserNamespace ? null : BaselineChecks.ProcMount(p, "procMount"))),
        new(
            "seLinuxOptions",
            PodSecurityLevel.Baseline,
            new Variant(0, p => BaselineChecks.SeLinuxOptions(p, 0)),
            new Variant(31, p => BaselineChecks.SeLinuxOptions(p, 31))),
        new(
            "seccompProfile_baseline",
            PodSecurityLevel.Baseline,
            new Variant(0, BaselineChecks.SeccompAnnotations),
            new Variant(19, BaselineChecks.SeccompProfile)),
        new(
            "sysctls",
            PodSecurityLevel.Baseline,
            [.. BaselineChecks.SysctlsByVersion.Select(s => new Variant(s.Minor, p => BaselineChecks.Sysctls(p, s.Minor)))]),
        new("windowsHostProcess", PodSecurityLevel.Baseline, new Variant(0, HostChecks.WindowsHostProcess)),

        new(
            "allowPrivilegeEscalation",
            PodSecurityLevel.Restricted,
            new Variant(8, p => RestrictedChecks.AllowPrivilegeEscalation(p, windowsExempt: false)),
            new Variant(25, p => RestrictedChecks.AllowPrivilegeEscalation(p, windowsExempt: true))),
        new(
            "capabilities_restricted",
            PodSecurityLevel.Restricted,
            new Variant(22, p => RestrictedChecks.CapabilitiesRestricted(p, windowsExempt: false), "capabilities_baseline"),
            new Variant(25, p => RestrictedChecks.CapabilitiesRestricted(p, windowsExempt: true), "capabilities_baseline")),
        new("procMount_restricted", PodSecurityLevel.Restricted, new Variant(35, p => BaselineChecks.ProcMount(p, "procMount_restricted"), "procMount")),
        new("restrictedVolumes", PodSecurityLevel.Restricted, new Variant(0, RestrictedChecks.RestrictedVolumes, "hostPathVolumes")),
        new(
            "runAsNonRoot",
            PodSecurityLevel.Restricted,
            new Variant(0, p => RestrictedChecks.RunAsNonRoot(p, userNamespaceExempt: false)),
            new Variant(35, p => RestrictedChecks.RunAsNonRoot(p, userNamespaceExempt: true))),
        new(
            "runAsUser",
            PodSecurityLevel.Restricted,
            new Variant(23, p => RestrictedChecks.RunAsUser(p, userNamespaceExempt: false)),
            new Variant(35, p => RestrictedChecks.RunAsUser(p, userNamespaceExempt: true))),
        new(
            "seccompProfile_restricted",
            PodSecurityLevel.Restricted,
            new Variant(19, p => RestrictedChecks.SeccompProfile(p, windowsExempt: false), "seccompProfile_baseline"),
            new Variant(25, p => RestrictedChecks.SeccompProfile(p, windowsExempt: true), "seccompProfile_baseline")),
    ];

    /// <summary>The ids of the checks a level runs at a version, in the order their results come.</summary>
    public static IReadOnlyList<string> CheckIds(PodSecurityLevel level, PodSecurityVersion version) =>
        [.. Active(level, version).Select(a => a.Id)];

    /// <summary>
    /// Every check of <paramref name="level"/> at <paramref name="version"/> that the pod fails;
    /// empty when it meets the level (always for privileged).
    /// </summary>
    /// <param name="hostCgroupNamespace">KEP-5714 <c>spec.hostCgroupNamespace</c>; null when unset.</param>
    public static IReadOnlyList<PodSecurityViolation> Check(V1Pod pod, bool? hostCgroupNamespace, PodSecurityLevel level, PodSecurityVersion version)
    {
        var input = new PodSecurityInput(pod, hostCgroupNamespace);
        return [.. Active(level, version).Select(a => a.Variant.Check(input)).OfType<PodSecurityViolation>()];
    }

    /// <inheritdoc cref="Check(V1Pod, bool?, PodSecurityLevel, PodSecurityVersion)"/>
    public static IReadOnlyList<PodSecurityViolation> Check(V1Pod pod, bool? hostCgroupNamespace, PodSecurityLevelVersion policy) =>
        Check(pod, hostCgroupNamespace, policy.Level, policy.Version);

    private static IEnumerable<(string Id, Variant Variant)> Active(PodSecurityLevel level, PodSecurityVersion version)
    {
        if (level == PodSecurityLevel.Privileged)
        {
            return [];
        }

        var active = Definitions
            .Where(d => d.Level <= level)
            .Select(d => (d.Id, d.Level, Variant: d.Variants.LastOrDefault(v => version.IsAtLeast(v.FromMinor))))
            .Where(a => a.Variant is not null)
            .ToList();
        var replaced = active.Where(a => a.Level == PodSecurityLevel.Restricted).SelectMany(a => a.Variant!.Replaces).ToHashSet(StringComparer.Ordinal);
        return active
            .Where(a => !replaced.Contains(a.Id))
            .OrderBy(a => a.Level)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => (a.Id, a.Variant!));
    }
}
