using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.V1;
using Berth.Cli.Output;
using Berth.Core.Serialization;
using Grpc.Core;

namespace Berth.Cli.Commands;

/// <summary><c>berth events [POD] [-f]</c>: the pods' events, like <c>kubectl events</c>.</summary>
public static class EventsCommand
{
    private static readonly string[] Headers = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];

    /// <summary>Followed rows arrive one by one and cannot be aligned on the widest: these
    /// widths fit the kubelet's reasons and usual pod names.</summary>
    private static readonly int[] FollowWidths = [9, 7, 16, 32];

    private static readonly JsonSerializerOptions JsonLines = new(BerthJson.Options) { WriteIndented = false };

    public static Command Create()
    {
        var pod = new Argument<string?>("POD") { Arity = ArgumentArity.ZeroOrOne, Description = "Only this pod's events: name, namespace/name or uid" };
        var follow = new Option<bool>("--follow", "-f") { Description = "After the recorded events, print new ones as they happen (until interrupted)" };
        var output = new Option<string>("--output", "-o") { Description = "table or json (a JSON array; with --follow, one JSON object per line)", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("events", "List pod events (Scheduled, Created, Started, Killing, BackOff, ...) and, without POD, the node's (NodeHasInsufficientMemory, EvictionThresholdMet, ...), oldest first") { pod, follow, output };
        command.SetAction(async (parse, ct) =>
        {
            var request = new WatchEventsRequest { Pod = parse.GetValue(pod) ?? "", Follow = parse.GetValue(follow) };
            var json = parse.GetValue(output) == "json";
            using var channel = AgentClient.Channel(Global.SocketPath(parse));
            using var call = new Events.EventsClient(channel).Watch(request, cancellationToken: ct);
            try
            {
                if (request.Follow)
                {
                    await FollowAsync(call.ResponseStream, json, ct);
                }
                else
                {
                    await ListAsync(call.ResponseStream, json, ct);
                }
            }
            catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                // interrupted while following: the normal way to stop
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task ListAsync(IAsyncStreamReader<PodEventMessage> stream, bool json, CancellationToken ct)
    {
        var events = new List<PodEventMessage>();
        while (await stream.MoveNext(ct))
        {
            events.Add(stream.Current);
        }

        if (json)
        {
            Console.WriteLine(new JsonArray([.. events.Select(Json)]).ToJsonString(BerthJson.Options));
            return;
        }

        var table = new TableWriter(Headers);
        foreach (var e in events)
        {
            table.Add(Row(e));
        }

        table.WriteTo(Console.Out);
    }

    private static async Task FollowAsync(IAsyncStreamReader<PodEventMessage> stream, bool json, CancellationToken ct)
    {
        if (!json)
        {
            WriteFollowed(Headers);
        }

        while (await stream.MoveNext(ct))
        {
            if (json)
            {
                Console.WriteLine(Json(stream.Current).ToJsonString(JsonLines));
            }
            else
            {
                WriteFollowed(Row(stream.Current));
            }

            // A follower is often a pipe: each event goes out when it happens.
            await Console.Out.FlushAsync(ct);
        }
    }

    private static void WriteFollowed(string[] cells) =>
        Console.WriteLine(string.Join("   ", cells.Select((c, i) => i < FollowWidths.Length ? c.PadRight(FollowWidths[i]) : c)).TrimEnd());

    private static string[] Row(PodEventMessage e) =>
        [Global.Age(e.TimeUnixMs), e.Type, e.Reason, Object(e), e.Message];

    /// <summary>kubectl's involved object: the pod, or the container's field path within it.</summary>
    private static string Object(PodEventMessage e) =>
        e.Node.Length > 0 ? $"node/{e.Node}" : e.Container.Length > 0 ? $"pod/{e.Pod}/{e.Container}" : $"pod/{e.Pod}";

    private static JsonObject Json(PodEventMessage e) => new()
    {
        ["time"] = DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs),
        ["namespace"] = e.Namespace,
        ["pod"] = e.Pod,
        ["uid"] = e.Uid,
        ["node"] = e.Node.Length > 0 ? e.Node : null,
        ["container"] = e.Container.Length > 0 ? e.Container : null,
        ["type"] = e.Type,
        ["reason"] = e.Reason,
        ["message"] = e.Message,
        ["annotations"] = e.Annotations.Count == 0 ? null : new JsonObject(e.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
    };
}
