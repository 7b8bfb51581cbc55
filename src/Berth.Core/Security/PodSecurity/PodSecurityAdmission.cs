using k8s.Models;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// Pod Security Admission for one pod, as pod-security-admission admission.ValidatePod and
/// EvaluatePod decide it: exempt namespaces are not checked; the namespace's labels over the
/// configuration's defaults give the policy; a fully privileged policy with valid labels checks
/// nothing; an exempt runtime class is not checked; then enforce, audit and warn are evaluated
/// (warn only when enforce allows). Usernames never match: Berth's pods have no requesting user.
/// </summary>
public static class PodSecurityAdmission
{
    /// <param name="ns">The pod's namespace (exemptions match it by name).</param>
    /// <param name="namespaceLabels">The namespace's labels; may be empty.</param>
    /// <param name="hostCgroupNamespace">KEP-5714 <c>spec.hostCgroupNamespace</c>; null when unset.</param>
    /// <param name="source">Where the namespace's labels were read, for label errors.</param>
    public static PodSecurityDecision Evaluate(
        V1Pod pod,
        bool? hostCgroupNamespace,
        string ns,
        IReadOnlyDictionary<string, string>? namespaceLabels,
        PodSecurityConfiguration configuration,
        string source = "")
    {
        var (policy, errors) = PodSecurityLabels.PolicyFor(namespaceLabels, configuration.Defaults, source);
        var decision = new PodSecurityDecision { Policy = policy, LabelErrors = errors };
        if (ns.Length > 0 && configuration.ExemptNamespaces.Contains(ns, StringComparer.Ordinal))
        {
            return decision with { Exemption = PodSecurityExemption.Namespace };
        }

        if (errors.Count == 0 && policy.FullyPrivileged)
        {
            return decision;
        }

        if (pod.Spec?.RuntimeClassName is { Length: > 0 } runtimeClass && configuration.ExemptRuntimeClasses.Contains(runtimeClass, StringComparer.Ordinal))
        {
            return decision with { Exemption = PodSecurityExemption.RuntimeClass };
        }

        // PSA evaluates a level:version once and reuses the result for the other modes.
        var results = new Dictionary<PodSecurityLevelVersion, IReadOnlyList<PodSecurityViolation>>();
        IReadOnlyList<PodSecurityViolation> Run(PodSecurityLevelVersion levelVersion)
        {
            if (!results.TryGetValue(levelVersion, out var violations))
            {
                violations = PodSecurityStandards.Check(pod, hostCgroupNamespace, levelVersion);
                results[levelVersion] = violations;
            }

            return violations;
        }

        var enforce = Run(policy.Enforce);
        return decision with
        {
            EnforceViolations = enforce,
            AuditViolations = Run(policy.Audit),
            WarnViolations = enforce.Count == 0 ? Run(policy.Warn) : [],
        };
    }
}
