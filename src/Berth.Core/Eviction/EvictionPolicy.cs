using System.Collections.Immutable;

namespace Berth.Core.Eviction;

/// <summary>
/// One pass of the kubelet's eviction manager (managerImpl.synchronize in
/// pkg/kubelet/eviction/eviction_manager.go), without I/O: observations and pods in, the next
/// state, the node's pressure conditions, the node-level reclaim to try and at most one pod to
/// evict out. Time enters only as <c>now</c>.
/// </summary>
public static class EvictionPolicy
{
    public static EvictionDecision Decide(EvictionConfig config, EvictionState state, DateTimeOffset now, IReadOnlyDictionary<string, SignalObservation> observations, IReadOnlyList<PodUsage> pods)
    {
        var configured = config.Thresholds();

        // Met now, regardless of grace period; plus those met before whose minimum reclaim is not yet satisfied.
        var met = ThresholdEvaluation.Met(configured, observations, enforceMinimumReclaim: false);
        if (state.ThresholdsMet.Count > 0)
        {
            met = ThresholdEvaluation.Merge(met, ThresholdEvaluation.Met(state.ThresholdsMet, observations, enforceMinimumReclaim: true));
        }

        var firstObservedAt = ThresholdEvaluation.FirstObservedAt(met, state.ThresholdsFirstObservedAt, now);

        // A condition is reported while it was observed within the transition period, so it does not flap.
        var lastObservedAt = state.ConditionsLastObservedAt.SetItems(
            met.Select(t => EvictionSignals.ConditionOf(t.Signal)).Distinct().Select(c => KeyValuePair.Create(c, now)));
        var conditions = EvictionSignals.Conditions
            .Select(type => NodePressureCondition.Next(
                state.Conditions.FirstOrDefault(c => c.Type == type),
                type,
                lastObservedAt.TryGetValue(type, out var at) && now - at < config.PressureTransitionPeriod,
                now))
            .ToImmutableList();

        var metGracePeriod = ThresholdEvaluation.MetGracePeriod(met, firstObservedAt, now);
        var acting = ThresholdEvaluation.UpdatedStats(metGracePeriod, observations, state.LastObservations);
        var next = new EvictionState
        {
            ThresholdsFirstObservedAt = firstObservedAt,
            ThresholdsMet = [.. metGracePeriod],
            ConditionsLastObservedAt = lastObservedAt,
            Conditions = conditions,
            LastObservations = observations.ToImmutableDictionary(),
        };

        var toReclaim = ThresholdEvaluation.ToReclaim(acting);
        if (toReclaim is null)
        {
            return new EvictionDecision(next, acting, conditions, null, NodeReclaim.None, null);
        }

        // The kubelet kills at most one pod per pass: the first ranked that is not critical.
        var resource = EvictionSignals.ResourceOf(toReclaim.Signal);
        var victim = EvictionRanking.Rank(toReclaim.Signal, config.Filesystems, pods).FirstOrDefault(p => !p.IsCritical);
        PodEviction? eviction = null;
        if (victim is not null)
        {
            var (message, annotations) = EvictionMessage.Compose(resource, victim, ByEvictionPriority(acting), observations);
            var grace = toReclaim.IsHard ? PodEviction.ImmediateGracePeriodSeconds : config.MaxPodGracePeriodSeconds;
            eviction = new PodEviction(victim, toReclaim.Signal, grace, message, annotations);
        }

        return new EvictionDecision(next, acting, conditions, toReclaim, NodeReclaims.For(toReclaim.Signal, config.Filesystems), eviction);
    }

    /// <summary>
    /// After node-level reclaim (reclaimNodeLevelResources): true when, observed again, no
    /// configured threshold is met counting its minimum reclaim, so no pod needs evicting.
    /// </summary>
    public static bool ReclaimSufficed(EvictionConfig config, IReadOnlyDictionary<string, SignalObservation> observations) =>
        ThresholdEvaluation.Met(config.Thresholds(), observations, enforceMinimumReclaim: true).Count == 0;

    private static IEnumerable<SignalThreshold> ByEvictionPriority(IEnumerable<SignalThreshold> thresholds) =>
        thresholds.OrderBy(t => EvictionSignals.IsMemory(t.Signal) ? 0 : 1);
}
