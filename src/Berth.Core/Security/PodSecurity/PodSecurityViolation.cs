namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// One failed check of the Pod Security Standards, worded as k8s.io/pod-security-admission
/// words it (policy.CheckResult): <paramref name="Reason"/> is the short forbidden reason
/// (<c>host namespaces</c>), <paramref name="Detail"/> what was found
/// (<c>hostNetwork=true, hostPID=true</c>).
/// </summary>
/// <param name="CheckId">PSA's check id (<c>hostNamespaces</c>, <c>capabilities_restricted</c>).</param>
/// <param name="Paths">The fields that made the check fail (<c>spec.containers[0].securityContext.privileged</c>);
/// for a field that must be set but is not, the field to set.</param>
public sealed record PodSecurityViolation(string CheckId, string Reason, string Detail, IReadOnlyList<string> Paths)
{
    /// <summary>PSA's AggregateCheckResult.ForbiddenDetail: <c>reason (detail)</c> per violation,
    /// joined with ", "; a violation without detail is its reason alone.</summary>
    public static string Describe(IEnumerable<PodSecurityViolation> violations) =>
        string.Join(", ", violations.Select(v => v.Detail.Length == 0 ? v.Reason : $"{v.Reason} ({v.Detail})"));
}
