using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Runtime.Network;

/// <summary>
/// A CNI network configuration list: a name, a CNI version and the plugins that run in order
/// (the CNI spec's "network configuration list"). A single-plugin <c>.conf</c> file is read as a
/// list of one, as libcni does.
/// </summary>
public sealed record CniConfig(string Name, string CniVersion, IReadOnlyList<JsonObject> Plugins, string Source)
{
    /// <summary>File extensions libcni reads from a configuration directory.</summary>
    private static readonly string[] Extensions = [".conflist", ".conf", ".json"];

    /// <summary>The list as JSON, to be kept with a sandbox so that teardown uses what set it up.</summary>
    public string ToJson() => new JsonObject
    {
        ["cniVersion"] = CniVersion,
        ["name"] = Name,
        ["plugins"] = new JsonArray([.. Plugins.Select(p => p.DeepClone())]),
    }.ToJsonString();

    /// <summary>
    /// The network the node uses: the first valid file of <paramref name="directory"/> in name
    /// order, as the kubelet's and containerd's CNI setups choose it. Null with the reason when
    /// there is none.
    /// </summary>
    public static (CniConfig? Config, string Problem) LoadFirst(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return (null, $"no CNI configuration directory {directory}");
        }

        var problems = new List<string>();
        var files = Directory.EnumerateFiles(directory)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                return (Parse(File.ReadAllText(file), file), "");
            }
            catch (Exception e) when (e is FormatException or JsonException or IOException)
            {
                problems.Add($"{Path.GetFileName(file)}: {e.Message}");
            }
        }

        return (null, problems.Count == 0
            ? $"no CNI configuration file (*.conflist, *.conf, *.json) in {directory}"
            : $"no valid CNI configuration in {directory}: {string.Join("; ", problems)}");
    }

    /// <exception cref="FormatException">Not a configuration list or a single plugin's configuration.</exception>
    public static CniConfig Parse(string json, string source)
    {
        if (JsonNode.Parse(json) is not JsonObject root)
        {
            throw new FormatException("not a JSON object");
        }

        var name = Text(root, "name") ?? throw new FormatException("\"name\" is missing");
        var version = Text(root, "cniVersion") ?? "0.2.0";
        List<JsonObject> plugins;
        if (root["plugins"] is JsonArray list)
        {
            plugins = [.. list.Select((p, i) => p as JsonObject ?? throw new FormatException($"plugins[{i}] is not an object")).Select(p => (JsonObject)p.DeepClone())];
            if (plugins.Count == 0)
            {
                throw new FormatException("\"plugins\" is empty");
            }
        }
        else if (root.ContainsKey("plugins"))
        {
            throw new FormatException("\"plugins\" is not a list");
        }
        else
        {
            plugins = [(JsonObject)root.DeepClone()];
        }

        for (var i = 0; i < plugins.Count; i++)
        {
            var type = Text(plugins[i], "type");
            if (string.IsNullOrEmpty(type) || type.Contains('/', StringComparison.Ordinal) || type is "." or "..")
            {
                throw new FormatException($"plugins[{i}].type is missing or not a plain file name");
            }
        }

        return new CniConfig(name, version, plugins, source);
    }

    private static string? Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
