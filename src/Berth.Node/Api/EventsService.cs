using System.Threading.Channels;
using Berth.Api.V1;
using Berth.Runtime;
using Berth.Runtime.Pods;
using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace Berth.Node.Api;

/// <summary>
/// berth.v1.Events: the pods' event lists (kept bounded in each pod record) as one stream, oldest
/// first, like `kubectl events`; with follow, the records are polled for newer events, and the
/// final events of removed pods (never saved: the record goes away) come from
/// <see cref="PodController.Removing"/>. Without a pod filter, the node's own events
/// (<see cref="NodeEvents"/>) come too.
/// </summary>
public sealed class EventsService(PodController pods, NodeEvents nodeEvents, IHostApplicationLifetime lifetime) : Events.EventsBase
{
    /// <summary>The node's key among the pods' uids in the follower's bookkeeping (never a uid).</summary>
    private const string NodeKey = "node:";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public override async Task Watch(WatchEventsRequest request, IServerStreamWriter<PodEventMessage> responseStream, ServerCallContext context)
    {
        string? uid = null;
        if (request.Pod.Length > 0)
        {
            uid = pods.Find(request.Pod)?.Uid ?? pods.Refused.Find(request.Pod)?.Uid ?? throw new NotFoundException($"pod \"{request.Pod}\" not found");
        }

        // A follower must not hold the agent's shutdown for the host's whole stop timeout.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stop.Token;

        // Subscribed before the first read, so a pod removed in between is not missed.
        var removed = Channel.CreateUnbounded<PodRecord>();
        void OnRemoving(PodRecord pod) => removed.Writer.TryWrite(pod);
        pods.Removing += OnRemoving;
        try
        {
            var lastSent = new Dictionary<string, PodEvent>();
            while (true)
            {
                // The listing comes before the removals: a pod deleted after it was listed is then
                // still among this round's removals or the next's, never lost between the two.
                var candidates = pods.Records.All.ToDictionary(p => p.Uid);
                foreach (var refused in pods.Refused.All)
                {
                    candidates.TryAdd(refused.Uid, refused.AsRecord());
                }

                while (removed.Reader.TryRead(out var gone))
                {
                    candidates[gone.Uid] = gone; // its last record has every event of the listed one
                }

                var batch = new List<(PodRecord Pod, PodEvent Event)>();
                foreach (var pod in candidates.Values.Where(p => uid is null || p.Uid == uid))
                {
                    var fresh = After(pod.Events, lastSent.GetValueOrDefault(pod.Uid));
                    if (fresh.Count > 0)
                    {
                        lastSent[pod.Uid] = fresh[^1];
                        batch.AddRange(fresh.Select(e => (pod, e)));
                    }
                }

                var messages = batch.Select(x => (x.Event.Time, Message: Message(x.Pod, x.Event))).ToList();
                if (uid is null)
                {
                    var fresh = After(nodeEvents.All, lastSent.GetValueOrDefault(NodeKey));
                    if (fresh.Count > 0)
                    {
                        lastSent[NodeKey] = fresh[^1];
                        messages.AddRange(fresh.Select(e => (e.Time, NodeMessage(nodeEvents.NodeName, e))));
                    }
                }

                foreach (var (_, message) in messages.OrderBy(x => x.Time))
                {
                    await responseStream.WriteAsync(message, ct);
                }

                if (!request.Follow)
                {
                    return;
                }

                foreach (var gone in lastSent.Keys.Where(k => k != NodeKey && !candidates.ContainsKey(k)).ToList())
                {
                    lastSent.Remove(gone);
                }

                await Task.Delay(PollInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away or the agent stops: a follow ends here, not as an error
        }
        finally
        {
            pods.Removing -= OnRemoving;
        }
    }

    private static PodEventMessage Message(PodRecord pod, PodEvent e)
    {
        var message = new PodEventMessage
        {
            TimeUnixMs = e.Time.ToUnixTimeMilliseconds(),
            Namespace = pod.Namespace,
            Pod = pod.Name,
            Uid = pod.Uid,
            Container = e.Container ?? "",
            Type = e.Type,
            Reason = e.Reason,
            Message = e.Message,
        };
        foreach (var (key, value) in e.Annotations ?? new Dictionary<string, string>())
        {
            message.Annotations[key] = value;
        }

        return message;
    }

    private static PodEventMessage NodeMessage(string node, PodEvent e) => new()
    {
        TimeUnixMs = e.Time.ToUnixTimeMilliseconds(),
        Node = node,
        Type = e.Type,
        Reason = e.Reason,
        Message = e.Message,
    };

    /// <summary>
    /// The events of a pod's list after the last one sent. Found by position, not by time: events
    /// are not always appended in time order (a pull is recorded with the pod, after Scheduled).
    /// The list is bounded and drops its oldest entries; if it dropped the last one sent, every
    /// event newer than that one is new.
    /// </summary>
    private static IReadOnlyList<PodEvent> After(IReadOnlyList<PodEvent> events, PodEvent? last)
    {
        if (last is null)
        {
            return events;
        }

        for (var i = events.Count - 1; i >= 0; i--)
        {
            if (events[i] == last)
            {
                return [.. events.Skip(i + 1)];
            }
        }

        return [.. events.Where(e => e.Time > last.Time)];
    }
}
