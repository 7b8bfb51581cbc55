using Berth.Cri.V1;
using Grpc.Core;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriEventsTests(CriNode node)
{
    [Fact]
    public async Task GetContainerEvents_streams_created_started_stopped_and_deleted()
    {
        await using var pod = await node.RunPodAsync("events");
        using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = node.Runtime.GetContainerEvents(new GetEventsRequest(), cancellationToken: watch.Token);
        var seen = new List<ContainerEventResponse>();
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in stream.ResponseStream.ReadAllAsync(watch.Token))
                {
                    lock (seen)
                    {
                        seen.Add(e);
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // the test is done watching
            }
        });

        // The stream is open once the server has answered with its headers.
        await stream.ResponseHeadersAsync;
        var id = await pod.StartAsync(CriNode.Container("short", "true"));
        await node.ExitedAsync(id);
        await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });

        List<ContainerEventType> Types()
        {
            lock (seen)
            {
                return [.. seen.Where(e => e.ContainerId == id).Select(e => e.ContainerEventType)];
            }
        }

        await Harness.Eventually.UntilAsync(() => Task.FromResult(Types()), t => t.Contains(ContainerEventType.ContainerDeletedEvent), TimeSpan.FromSeconds(20), "the deleted event");
        Assert.Equal(
            [ContainerEventType.ContainerCreatedEvent, ContainerEventType.ContainerStartedEvent, ContainerEventType.ContainerStoppedEvent, ContainerEventType.ContainerDeletedEvent],
            Types().Distinct());
        lock (seen)
        {
            var stopped = seen.First(e => e.ContainerId == id && e.ContainerEventType == ContainerEventType.ContainerStoppedEvent);
            Assert.Equal(pod.Id, stopped.PodSandboxStatus.Id);
            Assert.Contains(stopped.ContainersStatuses, s => s.Id == id && s.State == ContainerState.ContainerExited);
            Assert.True(stopped.CreatedAt > 0);
        }

        await watch.CancelAsync();
        await reader;
    }
}
