using System.CommandLine;
using System.Text.Json.Nodes;
using Berth.Api.V1;
using Berth.Cli.Output;
using Berth.Core.Serialization;

namespace Berth.Cli.Commands;

/// <summary><c>berth node</c> and <c>berth config show</c>: the node as the agent sees it, and
/// the configuration it runs with.</summary>
public static class NodeCommands
{
    public static Command Node()
    {
        var output = new Option<string?>("--output", "-o") { Description = "json or yaml: a v1 Node (status.capacity, status.allocatable, status.conditions) with what the pods hold" };
        output.AcceptOnlyFromAmong("json", "yaml");
        var command = new Command("node", "Show the node: capacity, allocatable, what pods request and limit, conditions, labels and taints") { output };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).GetNodeAsync(new GetNodeRequest(), cancellationToken: ct);
            var doc = JsonNode.Parse(response.Json)!;
            switch (parse.GetValue(output))
            {
                case "json":
                    Console.WriteLine(doc.ToJsonString(BerthJson.Options));
                    break;
                case "yaml":
                    Console.Write(BerthJson.ToYaml(doc));
                    break;
                default:
                    Write(doc, Console.Out);
                    break;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Config()
    {
        var show = new Command("show", "Print the configuration in effect as a KubeletConfiguration (defaults, then --config's file, then flags)");
        show.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).GetConfigAsync(new GetConfigRequest(), cancellationToken: ct);
            Console.Write(response.Yaml);
            return ExitCodes.Ok;
        });
        return new Command("config", "The agent's configuration") { show };
    }

    /// <summary>The table view: one row per resource, then conditions, labels and taints.</summary>
    public static void Write(JsonNode doc, TextWriter writer)
    {
        var node = doc["node"]!;
        var status = node["status"]!;
        var allocated = doc["allocated"]!;
        writer.WriteLine($"NODE {(string?)node["metadata"]!["name"]}   pods {(int?)allocated["pods"]}");
        var table = new TableWriter("RESOURCE", "CAPACITY", "ALLOCATABLE", "REQUESTS", "LIMITS");
        foreach (var resource in new[] { "cpu", "memory", "ephemeral-storage", "pods" })
        {
            var requests = resource == "pods" ? allocated["pods"]?.ToString() : (string?)allocated["requests"]?[resource];
            table.Add(resource, Text(status["capacity"]?[resource]), Text(status["allocatable"]?[resource]), requests ?? "0", (string?)allocated["limits"]?[resource] ?? "0");
        }

        table.Add("pid", Text(doc["pids"]?["capacity"]), Text(doc["pids"]?["allocatable"]), "-", "-");
        table.WriteTo(writer, "  ");
        writer.WriteLine("CONDITIONS");
        var conditions = new TableWriter("TYPE", "STATUS", "REASON", "MESSAGE");
        foreach (var condition in status["conditions"]?.AsArray() ?? [])
        {
            conditions.Add(Text(condition!["type"]), Text(condition["status"]), Text(condition["reason"]), Text(condition["message"]));
        }

        conditions.WriteTo(writer, "  ");
        writer.WriteLine("LABELS");
        foreach (var (key, value) in node["metadata"]!["labels"]?.AsObject() ?? [])
        {
            writer.WriteLine($"  {key}={value}");
        }

        var taints = node["spec"]?["taints"]?.AsArray() ?? [];
        writer.WriteLine($"TAINTS{(taints.Count == 0 ? "   <none>" : "")}");
        foreach (var taint in taints)
        {
            writer.WriteLine($"  {taint!["key"]}{(taint["value"] is { } v ? $"={v}" : "")}:{taint["effect"]}");
        }
    }

    private static string Text(JsonNode? node) => node?.ToString() ?? "-";
}
