using static Berth.Core.Security.PodSecurity.PodSecurityWords;

namespace Berth.Core.Security.PodSecurity;

/// <summary>The part of the seccomp checks baseline (v1.19+) and restricted share: a profile
/// that is set must be RuntimeDefault or Localhost.</summary>
internal static class SeccompFields
{
    public static bool Valid(string? type) => type is "RuntimeDefault" or "Localhost";

    /// <param name="podProfileValid">The pod sets a valid profile, which containers without their own inherit.</param>
    public static PodSecurityViolation? ExplicitlyBad(PodSecurityInput pod, string checkId, out bool podProfileValid)
    {
        var values = new List<string>();
        var paths = new List<string>();
        var podProfile = pod.PodSecurity?.SeccompProfile;
        var podBad = podProfile is not null && !Valid(podProfile.Type);
        podProfileValid = podProfile is not null && !podBad;
        if (podBad)
        {
            values.Add(podProfile!.Type ?? "");
            paths.Add("spec.securityContext.seccompProfile.type");
        }

        var containers = pod.Containers.Where(c => c.SecurityContext?.SeccompProfile is { } p && !Valid(p.Type)).ToList();
        values.AddRange(containers.Select(c => c.SecurityContext!.SeccompProfile.Type ?? ""));
        paths.AddRange(containers.Select(c => c.SecurityPath("seccompProfile.type")));
        return !podBad && containers.Count == 0 ? null : new PodSecurityViolation(
            checkId,
            "seccompProfile",
            $"{Setters(podBad, [.. containers.Select(c => c.Name)])} must not set securityContext.seccompProfile.type to {JoinQuote(Sorted(values))}",
            paths);
    }
}
