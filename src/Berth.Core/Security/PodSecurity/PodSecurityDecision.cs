using Berth.Core.Manifests;

namespace Berth.Core.Security.PodSecurity;

/// <summary>Why a pod was not checked, as PSA's <c>exempt</c> audit annotation says it.</summary>
public enum PodSecurityExemption
{
    None,
    Namespace,
    RuntimeClass,
}

/// <summary>
/// What Pod Security Admission decided for one pod: the policy it evaluated, the enforce
/// violations that refuse the pod, and the warn and audit messages, worded as the API server's
/// (<c>violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), ...</c>).
/// </summary>
public sealed record PodSecurityDecision
{
    public required PodSecurityPolicy Policy { get; init; }

    public PodSecurityExemption Exemption { get; init; }

    /// <summary>The failed checks of the enforce level; any refuses the pod.</summary>
    public IReadOnlyList<PodSecurityViolation> EnforceViolations { get; init; } = [];

    /// <summary>The failed checks of the warn level; only when the pod is allowed, as PSA does
    /// not add warnings to a request it refuses.</summary>
    public IReadOnlyList<PodSecurityViolation> WarnViolations { get; init; } = [];

    /// <summary>The failed checks of the audit level.</summary>
    public IReadOnlyList<PodSecurityViolation> AuditViolations { get; init; } = [];

    /// <summary>Errors in the namespace's labels; the policy then fell back as
    /// <see cref="PodSecurityLabels"/> describes.</summary>
    public IReadOnlyList<FieldError> LabelErrors { get; init; } = [];

    public bool Allowed => EnforceViolations.Count == 0;

    /// <summary>The API server's refusal: <c>violates PodSecurity "restricted:v1.30": ...</c>; null when allowed.</summary>
    public string? EnforceMessage => Allowed ? null : $"violates PodSecurity \"{Policy.Enforce}\": {PodSecurityViolation.Describe(EnforceViolations)}";

    /// <summary>The warning returned with an allowed pod: <c>would violate PodSecurity "...": ...</c>.</summary>
    public string? WarnMessage => WarnViolations.Count == 0 ? null : $"would violate PodSecurity \"{Policy.Warn}\": {PodSecurityViolation.Describe(WarnViolations)}";

    /// <summary>The audit annotation (pod-security.kubernetes.io/audit-violations): <c>would violate PodSecurity "...": ...</c>.</summary>
    public string? AuditMessage => AuditViolations.Count == 0 ? null : $"would violate PodSecurity \"{Policy.Audit}\": {PodSecurityViolation.Describe(AuditViolations)}";
}
