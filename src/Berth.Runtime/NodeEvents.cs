using Berth.Runtime.Pods;

namespace Berth.Runtime;

/// <summary>
/// Events about the node itself, as the kubelet records them on its Node object: a pressure
/// condition's transition (NodeHasInsufficientMemory, NodeHasNoDiskPressure, ...) and
/// EvictionThresholdMet. Kept in memory, the newest <see cref="Capacity"/>, as the pods' own
/// bounded lists are; `berth events` streams them beside the pods'.
/// </summary>
public sealed class NodeEvents(string nodeName)
{
    public const int Capacity = 100;

    private readonly Lock gate = new();
    private readonly Queue<PodEvent> events = new();

    /// <summary>The node the events are about (the Node object's name).</summary>
    public string NodeName => nodeName;

    /// <summary>Every kept event, oldest first.</summary>
    public IReadOnlyList<PodEvent> All
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    public void Record(DateTimeOffset time, string type, string reason, string message)
    {
        lock (gate)
        {
            events.Enqueue(new PodEvent(time, type, reason, message));
            while (events.Count > Capacity)
            {
                events.Dequeue();
            }
        }
    }
}
