using System.Collections.Immutable;

namespace Berth.Core.Eviction;

/// <summary>
/// The steps the kubelet's eviction manager takes from observations to the thresholds that drive
/// eviction (pkg/kubelet/eviction/helpers.go: thresholdsMet, mergeThresholds,
/// thresholdsFirstObservedAt, thresholdsMetGracePeriod, thresholdsUpdatedStats). Lists keep their
/// input order, where the kubelet's maps leave it unspecified.
/// </summary>
public static class ThresholdEvaluation
{
    /// <summary>
    /// The thresholds whose signal is below them: met when the threshold quantity is greater than
    /// what is available. With <paramref name="enforceMinimumReclaim"/> the quantity is the
    /// threshold plus its minimum reclaim, which is how a met threshold stays met until the signal
    /// has recovered past both. Thresholds without an observation are skipped.
    /// </summary>
    public static IReadOnlyList<SignalThreshold> Met(IEnumerable<SignalThreshold> thresholds, IReadOnlyDictionary<string, SignalObservation> observations, bool enforceMinimumReclaim)
    {
        var met = new List<SignalThreshold>();
        foreach (var threshold in thresholds)
        {
            if (!observations.TryGetValue(threshold.Signal, out var observed))
            {
                continue;
            }

            var quantity = enforceMinimumReclaim ? threshold.ResolvedAt(observed.Capacity) : threshold.QuantityFor(observed.Capacity);
            if (quantity > observed.Available)
            {
                met.Add(threshold);
            }
        }

        return met;
    }

    /// <summary>mergeThresholds: the first list, then what the second adds.</summary>
    public static IReadOnlyList<SignalThreshold> Merge(IReadOnlyList<SignalThreshold> first, IEnumerable<SignalThreshold> second) =>
        first.Concat(second.Where(t => !first.Contains(t))).ToList();

    /// <summary>thresholdsFirstObservedAt: when each met threshold was first seen met, now for new
    /// ones; thresholds no longer met are forgotten, so a soft threshold must be met again for its
    /// whole grace period.</summary>
    public static ImmutableDictionary<SignalThreshold, DateTimeOffset> FirstObservedAt(IEnumerable<SignalThreshold> met, IReadOnlyDictionary<SignalThreshold, DateTimeOffset> previous, DateTimeOffset now) =>
        met.Distinct().ToImmutableDictionary(t => t, t => previous.TryGetValue(t, out var at) ? at : now);

    /// <summary>thresholdsMetGracePeriod: those met for at least their grace period (hard ones at once).</summary>
    public static IReadOnlyList<SignalThreshold> MetGracePeriod(IEnumerable<SignalThreshold> met, IReadOnlyDictionary<SignalThreshold, DateTimeOffset> firstObservedAt, DateTimeOffset now) =>
        met.Distinct().Where(t => now - firstObservedAt[t] >= t.GracePeriod).ToList();

    /// <summary>thresholdsUpdatedStats: only thresholds whose signal has newer statistics than at the
    /// last decision act, so one stale sample does not evict twice. An observation without a time
    /// always counts as new.</summary>
    public static IReadOnlyList<SignalThreshold> UpdatedStats(IEnumerable<SignalThreshold> thresholds, IReadOnlyDictionary<string, SignalObservation> observations, IReadOnlyDictionary<string, SignalObservation> last)
    {
        var updated = new List<SignalThreshold>();
        foreach (var threshold in thresholds)
        {
            if (!observations.TryGetValue(threshold.Signal, out var observed))
            {
                continue;
            }

            if (!last.TryGetValue(threshold.Signal, out var previous) || observed.Time is null || previous.Time is null || observed.Time > previous.Time)
            {
                updated.Add(threshold);
            }
        }

        return updated;
    }

    /// <summary>byEvictionPriority then getReclaimableThreshold: memory signals are reclaimed before
    /// any other; otherwise the order is kept.</summary>
    public static SignalThreshold? ToReclaim(IEnumerable<SignalThreshold> thresholds) =>
        thresholds.OrderBy(t => EvictionSignals.IsMemory(t.Signal) ? 0 : 1).FirstOrDefault();
}
