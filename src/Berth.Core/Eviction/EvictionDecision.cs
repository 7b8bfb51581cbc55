namespace Berth.Core.Eviction;

/// <summary>
/// The outcome of one eviction decision. The caller stores <see cref="Next"/>, publishes
/// <see cref="Conditions"/>, and when <see cref="ThresholdToReclaim"/> is set: runs
/// <see cref="Reclaim"/> if it is not <see cref="NodeReclaim.None"/>, observes again and asks
/// <see cref="EvictionPolicy.ReclaimSufficed"/>; only if that says no (or there was nothing to
/// reclaim) does it evict <see cref="Eviction"/>.
/// </summary>
public sealed record EvictionDecision(
    EvictionState Next,
    IReadOnlyList<SignalThreshold> ThresholdsMet,
    IReadOnlyList<NodePressureCondition> Conditions,
    SignalThreshold? ThresholdToReclaim,
    NodeReclaim Reclaim,
    PodEviction? Eviction)
{
    /// <summary>The resource the node is starved of, as messages name it ("memory", "ephemeral-storage", "inodes", "pids").</summary>
    public string? ResourceToReclaim => ThresholdToReclaim is { } t ? EvictionSignals.ResourceOf(t.Signal) : null;

    /// <summary>The node event (type Warning, reason EvictionThresholdMet) the kubelet records before reclaiming.</summary>
    public string? ThresholdMetEvent => ResourceToReclaim is { } r ? $"Attempting to reclaim {r}" : null;

    public const string ThresholdMetEventReason = "EvictionThresholdMet";
}
