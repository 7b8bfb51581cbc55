using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>What the LimitRanger plugin did to one pod.</summary>
/// <param name="Pod">The defaulted copy of the pod, annotated when anything was set.</param>
/// <param name="Annotation">The value of <see cref="LimitRanger.AnnotationKey"/>, or null when no
/// LimitRange set anything.</param>
/// <param name="Violations">Why the pod would be refused; empty when it is admitted.</param>
/// <param name="Provenance">Which container values came from which LimitRange.</param>
public sealed record LimitRangerResult(
    V1Pod Pod,
    string? Annotation,
    IReadOnlyList<LimitRangeViolation> Violations,
    IReadOnlyList<LimitRangeProvenance> Provenance)
{
    public bool Admitted => Violations.Count == 0;

    /// <summary>
    /// The one message the API server would answer with: the defaulted pod's own validation first
    /// (it runs between the mutating and the validating half of admission, so its errors hide the
    /// LimitRange's), else the errors of the first LimitRange that refuses the pod (the plugin
    /// stops at the first one), aggregated as utilerrors does: one error alone, several in
    /// brackets, duplicates once. Null when the pod is admitted.
    /// </summary>
    public string? ApiServerMessage(string podName)
    {
        var invalid = Violations.Where(v => v.Path is not null).Select(v => $"{v.Path}: {v.Message}").ToList();
        if (invalid.Count > 0)
        {
            return $"Pod \"{podName}\" is invalid: {Aggregate(invalid)}";
        }

        var first = Violations.FirstOrDefault();
        return first is null ? null
            : $"pods \"{podName}\" is forbidden: {Aggregate([.. Violations.Where(v => v.LimitRange == first.LimitRange).Select(v => v.Message)])}";
    }

    private static string Aggregate(IReadOnlyList<string> messages)
    {
        var distinct = messages.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : $"[{string.Join(", ", distinct)}]";
    }
}

/// <summary>
/// One reason a pod is refused. A LimitRange constraint carries the LimitRange, the container it
/// was checked on (null for type Pod) and the plugin's message, which names neither. A field the
/// defaulting made invalid (a default limit below the container's own request) carries the field
/// path and the API server's validation message, and the LimitRange whose default caused it.
/// </summary>
public sealed record LimitRangeViolation(string? LimitRange, string? Container, string? Path, string Message)
{
    public override string ToString()
    {
        var where = Path is not null ? $"{Path}: "
            : Container is not null ? $"container {Container}: " : "";
        return LimitRange is null ? $"{where}{Message}" : $"{where}{Message} (LimitRange {LimitRange})";
    }
}
