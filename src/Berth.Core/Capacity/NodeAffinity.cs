using System.Globalization;
using k8s.Models;

namespace Berth.Core.Capacity;

/// <summary>
/// Whether a pod may run on the node by its labels (k8s.io/component-helpers/scheduling/corev1
/// nodeaffinity): every nodeSelector pair must be a node label, and when required node affinity
/// is given, at least one of its terms must match. A term matches when all its matchExpressions
/// (In, NotIn, Exists, DoesNotExist, Gt, Lt on labels) and matchFields (metadata.name, In or
/// NotIn) hold; a term with neither matches nothing.
/// </summary>
public static class NodeAffinity
{
    public static bool Matches(V1PodSpec spec, NodeInfo node)
    {
        foreach (var (key, value) in spec.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!node.Labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        var terms = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        return terms is null || terms.Any(term => TermMatches(term, node));
    }

    private static bool TermMatches(V1NodeSelectorTerm term, NodeInfo node)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        return expressions.All(e => Holds(e, node.Labels.TryGetValue(e.Key, out var v) ? v : null))
            && fields.All(f => f.Key == "metadata.name" && f.OperatorProperty is "In" or "NotIn" && Holds(f, node.Name));
    }

    private static bool Holds(V1NodeSelectorRequirement requirement, string? value)
    {
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => Compare(value, values) is > 0,
            "Lt" => Compare(value, values) is < 0,
            _ => false,
        };
    }

    /// <summary>Gt and Lt compare the label and the single value as integers; anything else never matches.</summary>
    private static int? Compare(string? value, IList<string> values) =>
        values.Count == 1 && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label)
            && long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound)
            ? label.CompareTo(bound)
            : null;
}
