using System.CommandLine;
using System.Text.Json.Nodes;
using Berth.Api.V1;
using Berth.Core.Serialization;

namespace Berth.Cli.Commands;

/// <summary><c>berth audit</c>: a node hardening report the kubelet has no command for.</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "json: the findings as a list (id, severity, title, evidence, fix)" };
        output.AcceptOnlyFromAmong("json");
        var command = new Command("audit", "Check the running configuration and pods against known causes of node-killing incidents; exit code 1 when a high-severity finding exists") { output };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).AuditAsync(new AuditRequest(), cancellationToken: ct);
            var findings = JsonNode.Parse(response.Json)!.AsArray();
            if (parse.GetValue(output) == "json")
            {
                Console.WriteLine(findings.ToJsonString(BerthJson.Options));
            }
            else
            {
                Write(findings, Console.Out);
            }

            return findings.Any(f => (string?)f!["severity"] == "high") ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    public static void Write(JsonArray findings, TextWriter writer)
    {
        if (findings.Count == 0)
        {
            writer.WriteLine("no findings: the node's settings and pods avoid every known cause this audit checks");
            return;
        }

        foreach (var finding in findings)
        {
            writer.WriteLine($"{finding!["id"]}  {((string?)finding["severity"])!.ToUpperInvariant(),-6}  {finding["title"]}");
            foreach (var evidence in finding["evidence"]!.AsArray())
            {
                writer.WriteLine($"    - {evidence}");
            }

            writer.WriteLine($"    fix: {finding["fix"]}");
        }
    }
}
