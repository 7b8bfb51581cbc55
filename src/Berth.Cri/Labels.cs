using Google.Protobuf.Collections;

namespace Berth.Cri;

internal static class Labels
{
    /// <summary>CRI label selectors are equality only: every key must be there with that value.</summary>
    public static bool Match(IReadOnlyDictionary<string, string> labels, MapField<string, string>? selector) =>
        selector is null || selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    public static void Copy(IReadOnlyDictionary<string, string> from, MapField<string, string> to)
    {
        foreach (var (key, value) in from)
        {
            to[key] = value;
        }
    }

    public static Dictionary<string, string> Of(MapField<string, string> map) => new(map, StringComparer.Ordinal);
}
