namespace Berth.Core.Security.PodSecurity;

/// <summary>How PSA's checks build their sentences (policy/helpers.go): plurals by count,
/// quoted lists, "pod and containers ..." for the things that set a field.</summary>
internal static class PodSecurityWords
{
    public static string Plural(string singular, string plural, int count) => count == 1 ? singular : plural;

    /// <summary><c>"a", "b"</c>; items are quoted as they are, without escaping, as joinQuote does.</summary>
    public static string JoinQuote(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count == 0 ? "" : $"\"{string.Join("\", \"", list)}\"";
    }

    /// <summary><c>container "a"</c> or <c>containers "a", "b"</c>.</summary>
    public static string Containers(IReadOnlyCollection<string> names) =>
        $"{Plural("container", "containers", names.Count)} {JoinQuote(names)}";

    /// <summary>The setters of a bad value, "pod" first then the containers, joined with " and ".</summary>
    public static string Setters(bool pod, IReadOnlyCollection<string> containers)
    {
        var setters = new List<string>();
        if (pod)
        {
            setters.Add("pod");
        }

        if (containers.Count > 0)
        {
            setters.Add(Containers(containers));
        }

        return string.Join(" and ", setters);
    }

    /// <summary>A sorted set as Go's sets.String.List() gives it (byte order).</summary>
    public static List<string> Sorted(IEnumerable<string> items) => [.. items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Go's %q for the plain strings annotations hold: quotes, with '\' and '"' escaped.</summary>
    public static string GoQuote(string value) => $"\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}
