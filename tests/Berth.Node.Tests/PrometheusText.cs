using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Prometheus;

namespace Berth.Node.Tests;

/// <summary>One sample line: metric name, labels and value.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string this[string label] => Labels[label];
}

/// <summary>
/// A strict reader of the Prometheus text format (0.0.4) for tests: every family has one HELP
/// and one TYPE before its samples, names and label names have the allowed syntax, label values
/// are properly quoted and escaped, values parse, and no series appears twice. Anything else
/// throws, so a test that parses output also checks that it is valid exposition.
/// </summary>
internal sealed partial class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Type { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public static async Task<PrometheusText> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, CancellationToken.None);
        return Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var series = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                result.Comment(line);
                continue;
            }

            var sample = ParseSample(line);
            var family = result.FamilyOf(sample.Name) ?? throw new FormatException($"sample before its TYPE: {line}");
            if (!result.Help.ContainsKey(family))
            {
                throw new FormatException($"sample before its HELP: {line}");
            }

            if (!series.Add(sample.Name + string.Join(',', sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))))
            {
                throw new FormatException($"series appears twice: {line}");
            }

            result.Samples.Add(sample);
        }

        return result;
    }

    /// <summary>The one sample of <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/> ("key=value").</summary>
    public Sample Single(string name, params string[] labels) =>
        Assert.Single(All(name, labels));

    public double Value(string name, params string[] labels) => Single(name, labels).Value;

    public IEnumerable<Sample> All(string name, params string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l =>
        {
            var eq = l.IndexOf('=', StringComparison.Ordinal);
            return s.Labels.TryGetValue(l[..eq], out var v) && v == l[(eq + 1)..];
        }));

    private string? FamilyOf(string name)
    {
        if (Type.ContainsKey(name))
        {
            return name;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && Type.TryGetValue(name[..^suffix.Length], out var t) && t is "histogram" or "summary")
            {
                return name[..^suffix.Length];
            }
        }

        return null;
    }

    private void Comment(string line)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[1] is not ("HELP" or "TYPE"))
        {
            return; // a plain comment
        }

        if (!MetricName().IsMatch(parts[2]))
        {
            throw new FormatException($"bad metric name in '{line}'");
        }

        var value = parts.Length == 4 ? parts[3] : "";
        var table = parts[1] == "HELP" ? Help : Type;
        if (parts[1] == "TYPE" && !Types.Contains(value))
        {
            throw new FormatException($"unknown type in '{line}'");
        }

        if (!table.TryAdd(parts[2], value))
        {
            throw new FormatException($"second {parts[1]} for {parts[2]}");
        }
    }

    private static Sample ParseSample(string line)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            throw new FormatException($"not a sample line: '{line}'");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var body = match.Groups["labels"].Value;
        var at = 0;
        while (at < body.Length)
        {
            var pair = LabelPair().Match(body, at);
            if (!pair.Success || pair.Index != at)
            {
                throw new FormatException($"bad label syntax at {at} in '{line}'");
            }

            if (!labels.TryAdd(pair.Groups["name"].Value, Unescape(pair.Groups["value"].Value)))
            {
                throw new FormatException($"label {pair.Groups["name"].Value} twice in '{line}'");
            }

            at += pair.Length;
        }

        return new Sample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value, line));
    }

    private static double ParseValue(string text, string line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"bad value '{text}' in '{line}'"),
    };

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();
}
