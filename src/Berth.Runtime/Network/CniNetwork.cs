using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Linux;

namespace Berth.Runtime.Network;

/// <summary>A host port forwarded to a pod port (CRI PortMapping, the portmap plugin's runtimeConfig).</summary>
public sealed record PortMapping(int ContainerPort, int HostPort, string Protocol = "tcp", string HostIp = "");

/// <summary>What a sandbox's network was set up with, kept in its record for teardown.</summary>
/// <param name="Config">The configuration list as it was used (JSON).</param>
/// <param name="AddResult">The final plugin's ADD result (JSON), given back to every plugin on DEL.</param>
/// <param name="NetnsPath">The pinned network namespace the plugins were given.</param>
/// <param name="Ips">The pod's addresses without prefix length, IPv4 first.</param>
public sealed record SandboxNetwork(string Config, string AddResult, string NetnsPath, IReadOnlyList<string> Ips);

/// <summary>Who a sandbox's network belongs to, passed to the plugins as CNI_ARGS the kubelet way.</summary>
public sealed record NetworkRequest(string SandboxId, string NetnsPath, string PodName, string PodNamespace, string PodUid, IReadOnlyList<PortMapping> PortMappings);

/// <summary>A CNI plugin said no: its error code and message (CNI spec "Error" result).</summary>
public sealed class CniException(string message) : Exception(message);

/// <summary>
/// Pod networking through CNI plugins (the containernetworking-plugins binaries): the first
/// configuration list of the configuration directory, each plugin run as the CNI spec says
/// (CNI_* variables, the configuration on stdin, the previous result chained in), ADD in order and
/// DEL in reverse order with the ADD result.
/// </summary>
public sealed class CniNetwork(string confDir, IReadOnlyList<string> binDirs)
{
    /// <summary>The interface name inside the pod, as every Kubernetes runtime names it.</summary>
    public const string InterfaceName = "eth0";

    private static readonly TimeSpan PluginTimeout = TimeSpan.FromMinutes(1);

    public string ConfDir { get; } = confDir;

    public IReadOnlyList<string> BinDirs { get; } = binDirs;

    /// <summary>
    /// The configuration the next sandbox gets, checked for its plugins. Null with the reason
    /// when pods get no network: the CRI's NetworkReady condition.
    /// </summary>
    public (CniConfig? Config, string Problem) Current()
    {
        var (config, problem) = CniConfig.LoadFirst(ConfDir);
        if (config is null)
        {
            return (null, problem);
        }

        var missing = config.Plugins.Select(p => (string)p["type"]!).Where(t => FindPlugin(t) is null).ToList();
        return missing.Count == 0
            ? (config, "")
            : (null, $"{config.Source}: no plugin binary {string.Join(", ", missing)} in {string.Join(":", BinDirs)}");
    }

    /// <summary>Runs every plugin's ADD; on a failure the ones that ran are undone (DEL) first.</summary>
    public async Task<SandboxNetwork> AddAsync(CniConfig config, NetworkRequest request, CancellationToken ct)
    {
        JsonNode? result = null;
        try
        {
            foreach (var plugin in config.Plugins)
            {
                result = await InvokeAsync("ADD", config, plugin, request, result, ct);
            }
        }
        catch
        {
            await DelAsync(config, request, result, CancellationToken.None);
            throw;
        }

        var text = result?.ToJsonString() ?? "{}";
        return new SandboxNetwork(config.ToJson(), text, request.NetnsPath, IpsOf(result));
    }

    /// <summary>DEL through every plugin in reverse order; what is already gone is success, as the spec requires of plugins.</summary>
    public Task DelAsync(SandboxNetwork network, NetworkRequest request, CancellationToken ct) =>
        DelAsync(CniConfig.Parse(network.Config, "sandbox record"), request, JsonNode.Parse(network.AddResult), ct);

    /// <summary>DEL with no ADD result at hand (a create that died before recording it).</summary>
    public Task DelAsync(CniConfig config, NetworkRequest request, CancellationToken ct) => DelAsync(config, request, null, ct);

    private async Task DelAsync(CniConfig config, NetworkRequest request, JsonNode? result, CancellationToken ct)
    {
        var errors = new List<string>();
        foreach (var plugin in config.Plugins.Reverse())
        {
            try
            {
                await InvokeAsync("DEL", config, plugin, request, result, ct);
            }
            catch (CniException e)
            {
                errors.Add(e.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new CniException(string.Join("; ", errors));
        }
    }

    private async Task<JsonNode?> InvokeAsync(string command, CniConfig config, JsonObject plugin, NetworkRequest request, JsonNode? previous, CancellationToken ct)
    {
        var type = (string)plugin["type"]!;
        var binary = FindPlugin(type) ?? throw new CniException($"CNI plugin {type} not found in {string.Join(":", BinDirs)}");
        var stdin = (JsonObject)plugin.DeepClone();
        stdin["name"] = config.Name;
        stdin["cniVersion"] = config.CniVersion;
        if (previous is not null)
        {
            stdin["prevResult"] = previous.DeepClone();
        }

        if (plugin["capabilities"] is JsonObject caps && caps["portMappings"] is JsonValue wants && wants.TryGetValue<bool>(out var yes) && yes)
        {
            var mappings = new JsonArray();
            foreach (var m in request.PortMappings.Where(m => m.HostPort > 0))
            {
                mappings.Add(new JsonObject
                {
                    ["hostPort"] = m.HostPort,
                    ["containerPort"] = m.ContainerPort,
                    ["protocol"] = m.Protocol,
                    ["hostIP"] = m.HostIp,
                });
            }

            stdin["runtimeConfig"] = new JsonObject { ["portMappings"] = mappings };
        }

        // An empty CNI_NETNS tells DEL plugins the namespace is gone, which they must accept.
        var netns = command == "DEL" && !File.Exists(request.NetnsPath) ? "" : request.NetnsPath;
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = request.SandboxId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = InterfaceName,
            ["CNI_PATH"] = string.Join(':', BinDirs),
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={request.PodNamespace};K8S_POD_NAME={request.PodName};K8S_POD_INFRA_CONTAINER_ID={request.SandboxId};K8S_POD_UID={request.PodUid}",
        };
        var run = await CommandRunner.RunAsync(binary, [], ct, stdin: stdin.ToJsonString(), timeout: PluginTimeout, check: false, environment: env);
        if (run.ExitCode != 0)
        {
            throw new CniException($"CNI {command} of network {config.Name}, plugin {type}: {ErrorOf(run)}");
        }

        if (command != "ADD")
        {
            return previous;
        }

        try
        {
            return JsonNode.Parse(run.Stdout);
        }
        catch (JsonException e)
        {
            throw new CniException($"CNI ADD of network {config.Name}, plugin {type}: its result is not JSON: {e.Message}");
        }
    }

    /// <summary>The spec's error result ({"code", "msg", "details"}) when the plugin printed one.</summary>
    private static string ErrorOf(CommandResult run)
    {
        try
        {
            if (JsonNode.Parse(run.Stdout) is JsonObject error && error["msg"] is { } msg)
            {
                var details = error["details"]?.ToString();
                return $"{msg}{(string.IsNullOrEmpty(details) ? "" : $" ({details})")} (code {error["code"]})";
            }
        }
        catch (JsonException)
        {
        }

        var said = (run.Stderr + run.Stdout).Trim();
        return said.Length > 0 ? said : $"exit code {run.ExitCode}";
    }

    /// <summary>Addresses of a result (CNI ≥ 0.3: "ips": [{"address": "10.88.0.5/16"}]), IPv4 first.</summary>
    public static IReadOnlyList<string> IpsOf(JsonNode? result)
    {
        if (result?["ips"] is not JsonArray ips)
        {
            return [];
        }

        var addresses = ips
            .Select(ip => ip?["address"]?.GetValue<string>())
            .OfType<string>()
            .Select(a => a.Split('/')[0])
            .ToList();
        return [.. addresses.OrderBy(a => a.Contains(':', StringComparison.Ordinal) ? 1 : 0)];
    }

    private string? FindPlugin(string type) =>
        BinDirs.Select(d => Path.Combine(d, type)).FirstOrDefault(File.Exists);
}
