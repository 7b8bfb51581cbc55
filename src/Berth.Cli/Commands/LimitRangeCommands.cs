using System.CommandLine;
using System.Text.Json.Nodes;
using Berth.Api.V1;
using Berth.Cli.Output;
using Berth.Core.Serialization;

namespace Berth.Cli.Commands;

/// <summary><c>berth limitrange ls|rm</c>: the LimitRanges that play stored, per namespace.</summary>
public static class LimitRangeCommands
{
    public static Command Create()
    {
        var command = new Command("limitrange", "Manage the LimitRanges given to play (defaults and bounds for a namespace's new pods)") { List(), Remove() };
        command.Aliases.Add("limits");
        return command;
    }

    private static Command List()
    {
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only this namespace (default: all)" };
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var command = new Command("ls", "List LimitRanges: namespace, name, the types they constrain and their age") { ns, output };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).ListLimitRangesAsync(new ListLimitRangesRequest { Namespace = parse.GetValue(ns) ?? "" }, cancellationToken: ct);
            var ranges = JsonNode.Parse(response.Json)!.AsArray();
            switch (parse.GetValue(output))
            {
                case "json":
                    Console.WriteLine(ranges.ToJsonString(BerthJson.Options));
                    return ExitCodes.Ok;
                case "yaml":
                    Console.Write(BerthJson.ToYaml(ranges));
                    return ExitCodes.Ok;
            }

            var table = new TableWriter("NAMESPACE", "NAME", "TYPES", "AGE");
            foreach (var range in ranges)
            {
                var types = range!["spec"]?["limits"]?.AsArray().Select(l => (string?)l!["type"]).OfType<string>() ?? [];
                var created = DateTimeOffset.Parse((string)range["metadata"]!["creationTimestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
                table.Add((string?)range["metadata"]!["namespace"] ?? "default", (string?)range["metadata"]!["name"] ?? "", string.Join(",", types.Distinct()), Global.Age(created.ToUnixTimeMilliseconds()));
            }

            table.WriteTo(Console.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "The LimitRange's name" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Its namespace", DefaultValueFactory = _ => "default" };
        var command = new Command("rm", "Remove a LimitRange; pods it already defaulted keep their values") { name, ns };
        command.SetAction(async (parse, ct) =>
        {
            await Global.Client(parse).RemoveLimitRangeAsync(new RemoveLimitRangeRequest { Namespace = parse.GetValue(ns)!, Name = parse.GetValue(name)! }, cancellationToken: ct);
            Console.WriteLine($"limitrange {parse.GetValue(ns)}/{parse.GetValue(name)} removed");
            return ExitCodes.Ok;
        });
        return command;
    }
}
