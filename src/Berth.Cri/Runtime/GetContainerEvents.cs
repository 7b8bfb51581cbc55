using Berth.Runtime;
using Berth.Runtime.Model;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>How often exits are looked for while someone watches: conmon records them in
    /// files, so a watcher needs the runtime to read those files.</summary>
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// CONTAINER_CREATED, _STARTED, _STOPPED and _DELETED as they happen, each with the pod's
    /// status and its containers' statuses (what the kubelet's evented PLEG reads), until the
    /// client goes away. Events before the call are not replayed: a watcher relists first.
    /// </summary>
    public override async Task GetContainerEvents(V1.GetEventsRequest request, IServerStreamWriter<V1.ContainerEventResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var events = runtime.Events.Subscribe(ct);

        // Headers now, not with the first event: a client that waits for them knows it is
        // subscribed and that nothing it does from then on is missed.
        await context.WriteResponseHeadersAsync(new Metadata());
        var poll = PollExitsAsync(ct);
        try
        {
            await foreach (var e in events.ReadAllAsync(ct))
            {
                if (e.Origin != SandboxOrigin.Cri)
                {
                    continue;
                }

                await responseStream.WriteAsync(await EventResponseAsync(e, ct), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the watcher went away
        }

        await poll;
    }

    private async Task PollExitsAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(ExitPollInterval, ct);

                // Listing refreshes every container, and a refresh that sees an exit publishes it.
                await runtime.ListContainersAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the watcher went away
        }
    }

    private async Task<V1.ContainerEventResponse> EventResponseAsync(ContainerEvent e, CancellationToken ct)
    {
        var response = new V1.ContainerEventResponse
        {
            ContainerId = e.Container.Id,
            ContainerEventType = e.Type switch
            {
                ContainerEventType.Created => V1.ContainerEventType.ContainerCreatedEvent,
                ContainerEventType.Started => V1.ContainerEventType.ContainerStartedEvent,
                ContainerEventType.Stopped => V1.ContainerEventType.ContainerStoppedEvent,
                _ => V1.ContainerEventType.ContainerDeletedEvent,
            },
            CreatedAt = CriTime.Nanoseconds(e.At),
        };
        if (CriSandbox(e.Container.SandboxId) is { } sandbox)
        {
            response.PodSandboxStatus = Statuses.SandboxStatus(sandbox);
            var imageNames = ImageNames();
            foreach (var container in await ContainersOfAsync(sandbox.Id, ct))
            {
                response.ContainersStatuses.Add(Statuses.ContainerStatus(container, imageNames(container)));
            }
        }

        return response;
    }
}
