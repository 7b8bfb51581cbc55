using System.Threading.Channels;
using Berth.Runtime.Model;

namespace Berth.Runtime;

public enum ContainerEventType
{
    Created,
    Started,

    /// <summary>The container's process has exited (seen by the runtime, not necessarily the moment it happened).</summary>
    Stopped,
    Deleted,
}

/// <param name="Container">The record right after the change (for Deleted, the last one).</param>
/// <param name="Origin">Which front door made the container's sandbox.</param>
public sealed record ContainerEvent(ContainerEventType Type, ContainerRecord Container, DateTimeOffset At, SandboxOrigin Origin);

/// <summary>
/// Fans container lifecycle changes out to whoever watches (CRI's GetContainerEvents). Each
/// subscriber has its own bounded queue: a slow one loses its oldest events rather than holding
/// up the runtime, and a watcher is expected to relist when it may have missed some, as the
/// kubelet does.
/// </summary>
public sealed class ContainerEvents
{
    private const int QueueLength = 1024;

    private readonly Lock gate = new();
    private readonly List<Channel<ContainerEvent>> subscribers = [];

    public int SubscriberCount
    {
        get
        {
            lock (gate)
            {
                return subscribers.Count;
            }
        }
    }

    /// <summary>Events from now on, until <paramref name="ct"/> is cancelled.</summary>
    public ChannelReader<ContainerEvent> Subscribe(CancellationToken ct)
    {
        var channel = Channel.CreateBounded<ContainerEvent>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (gate)
        {
            subscribers.Add(channel);
        }

        ct.Register(() =>
        {
            lock (gate)
            {
                subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    internal void Publish(ContainerEventType type, ContainerRecord container, SandboxOrigin origin)
    {
        var e = new ContainerEvent(type, container, DateTimeOffset.UtcNow, origin);
        lock (gate)
        {
            foreach (var subscriber in subscribers)
            {
                subscriber.Writer.TryWrite(e);
            }
        }
    }
}
