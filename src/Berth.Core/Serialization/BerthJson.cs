using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Core.Serialization;

/// <summary>
/// The one JSON shape of Berth's public documents (plan, inspect): camelCase, indented, unset
/// values written as null so readers can rely on every key being present. YAML output is the
/// same document rendered as YAML.
/// </summary>
public static class BerthJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // Documents for people and tools, not for embedding in HTML: keep '+' and quotes readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    public static string ToYaml<T>(T value)
    {
        var stream = new YamlStream(new YamlDocument(ToYamlNode(ToNode(value))));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();

        // YamlStream ends each document with "...": drop it, as kubectl does.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static YamlNode ToYamlNode(JsonNode? node) => node switch
    {
        JsonObject o => new YamlMappingNode(o.Select(kv => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(kv.Key), ToYamlNode(kv.Value)))),
        JsonArray a => new YamlSequenceNode(a.Select(ToYamlNode)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => new YamlScalarNode(v.GetValue<string>()) { Style = NeedsQuotes(v.GetValue<string>()) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any },
        JsonValue v => new YamlScalarNode(v.ToJsonString()) { Style = ScalarStyle.Plain },
        _ => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
    };

    // A string that YAML would read back as another type must be quoted.
    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || s is "null" or "~" or "true" or "false" || double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);
}
