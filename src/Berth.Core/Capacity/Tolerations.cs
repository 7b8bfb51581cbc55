using k8s.Models;

namespace Berth.Core.Capacity;

/// <summary>
/// Taints and tolerations as k8s.io/api/core/v1's ToleratesTaint matches them: a toleration with
/// an empty effect matches every effect; an empty key with Exists matches every taint; Exists
/// ignores the value and Equal (the default) compares it. Also the <c>key[=value]:Effect</c>
/// syntax of the kubelet's --register-with-taints.
/// </summary>
public static class Tolerations
{
    public static readonly IReadOnlyList<string> Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return (toleration.OperatorProperty ?? "Equal") switch
        {
            "Exists" => true,
            "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }

    /// <summary>The first taint passing <paramref name="filter"/> that no toleration tolerates, or null.</summary>
    public static V1Taint? FirstUntolerated(IEnumerable<V1Taint> taints, IEnumerable<V1Toleration>? tolerations, Func<V1Taint, bool> filter) =>
        taints.Where(filter).FirstOrDefault(taint => !(tolerations ?? []).Any(t => Tolerates(t, taint)));

    /// <summary>Reads "key=value:Effect" or "key:Effect" (a --register-with-taints item).</summary>
    public static V1Taint? ParseTaint(string text, string path, List<string> errors)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            errors.Add($"{path}: Invalid value: \"{text}\": must be KEY[=VALUE]:EFFECT");
            return null;
        }

        var effect = text[(colon + 1)..];
        var keyValue = text[..colon];
        var equals = keyValue.IndexOf('=', StringComparison.Ordinal);
        var key = equals < 0 ? keyValue : keyValue[..equals];
        var value = equals < 0 ? null : keyValue[(equals + 1)..];
        if (!Effects.Contains(effect))
        {
            errors.Add($"{path}: Unsupported value: \"{effect}\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
            return null;
        }

        if (Validation.LabelSyntax.KeyProblem(key) is { } keyProblem)
        {
            errors.Add($"{path}: Invalid value: \"{key}\": {keyProblem}");
            return null;
        }

        if (value is not null && Validation.LabelSyntax.ValueProblem(value) is { } valueProblem)
        {
            errors.Add($"{path}: Invalid value: \"{value}\": {valueProblem}");
            return null;
        }

        return new V1Taint { Effect = effect, Key = key, Value = value };
    }
}
