using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Node.Metrics;
using Berth.Node.Stats;
using Berth.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Node.Eviction;

/// <summary>What one pass did: the decision, whether node-level reclaim made eviction
/// unnecessary, and the pod evicted, if any.</summary>
public sealed record EvictionPass(EvictionDecision Decision, bool ReclaimSufficed, string? EvictedUid);

/// <summary>
/// The kubelet's eviction manager (managerImpl.synchronize in pkg/kubelet/eviction/eviction_manager.go)
/// for the agent's own pods: every monitoring period it takes a fresh housekeeping pass, turns it
/// into signal observations, lets <see cref="EvictionPolicy.Decide"/> judge them, publishes the
/// node's pressure conditions (<see cref="NodePressure"/>), and when a threshold is met first
/// reclaims what the node can (unused images) and, only if that was not enough, evicts one pod.
/// Pods the CRI runs belong to the kubelet, whose own eviction manager judges them.
/// </summary>
public sealed class EvictionManager : BackgroundService
{
    private readonly IStatsProvider stats;
    private readonly IEvictionActions actions;
    private readonly NodePressure pressure;
    private readonly EvictionConfig config;
    private readonly long? allocatableMemory;
    private readonly TimeSpan interval;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly AgentMetrics? metrics;
    private readonly NodeEvents? events;
    private EvictionState state = EvictionState.Initial;

    /// <param name="allocatableMemory">The node's allocatable memory in bytes, for allocatableMemory.available.</param>
    /// <param name="interval">The monitoring period (the kubelet's 10 s housekeeping).</param>
    public EvictionManager(IStatsProvider stats, IEvictionActions actions, NodePressure pressure, EvictionConfig config, long? allocatableMemory, TimeSpan interval, TimeProvider time, ILogger<EvictionManager> logger, AgentMetrics? metrics = null, NodeEvents? events = null)
    {
        this.metrics = metrics;
        this.events = events;
        this.stats = stats;
        this.actions = actions;
        this.pressure = pressure;
        this.config = config;
        this.allocatableMemory = allocatableMemory;
        this.interval = interval;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>The eviction settings of the node's configuration.</summary>
    public static EvictionConfig ConfigOf(NodeProtectionOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new EvictionConfig
        {
            Hard = node.EvictionHard,
            Soft = node.EvictionSoft,
            SoftGracePeriods = node.EvictionSoftGracePeriod,
            MinimumReclaim = node.EvictionMinimumReclaim,
            PressureTransitionPeriod = node.EvictionPressureTransitionPeriod,
            MaxPodGracePeriodSeconds = node.EvictionMaxPodGracePeriod,
            EnforcePodsAllocatable = node.Enforce.HasFlag(AllocatableEnforcement.Pods),
        };
    }

    /// <summary>One pass of the manager (synchronize).</summary>
    public async Task<EvictionPass> SynchronizeAsync(CancellationToken ct)
    {
        var snapshot = await stats.CollectAsync(ct);
        var now = time.GetUtcNow();
        var passConfig = config with { Filesystems = SignalObservations.Layout(snapshot) };
        var observations = SignalObservations.From(snapshot, allocatableMemory);
        var records = actions.Pods.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        var decision = EvictionPolicy.Decide(passConfig, state, now, observations, PodUsages.From(records.Values, snapshot));
        state = decision.Next;
        foreach (var changed in pressure.Update(decision.Conditions, now))
        {
            // The node event the kubelet records on a transition (NodeHasInsufficientMemory, ...).
            logger.Log(changed.Pressure ? LogLevel.Warning : LogLevel.Information, "Node condition {Condition} is now {Status}: {Event}", changed.Type, changed.Status, changed.TransitionEvent);
            events?.Record(now, "Normal", changed.TransitionEvent, $"Node {events.NodeName} status is now: {changed.TransitionEvent}");
        }

        if (decision.ThresholdToReclaim is not { } threshold)
        {
            return new EvictionPass(decision, false, null);
        }

        logger.LogWarning("Eviction threshold met ({Threshold}): {Event}", threshold, decision.ThresholdMetEvent);
        events?.Record(now, "Warning", EvictionDecision.ThresholdMetEventReason, decision.ThresholdMetEvent ?? $"Attempting to reclaim {threshold.Signal}");
        if (decision.Reclaim != NodeReclaim.None)
        {
            // The kubelet's order for disk: dead containers first (their layers may hold the
            // last reference to an image), then unused images; then judge again.
            if (decision.Reclaim.HasFlag(NodeReclaim.Containers))
            {
                var containers = await actions.DeleteDeadContainersAsync(ct);
                logger.LogInformation("Eviction: deleted {Count} dead containers of finished pods", containers);
            }

            if (decision.Reclaim.HasFlag(NodeReclaim.Images))
            {
                var freed = await actions.DeleteUnusedImagesAsync(ct);
                logger.LogInformation("Eviction: deleting unused images freed {Bytes} bytes", freed);
            }

            var after = SignalObservations.From(await stats.CollectAsync(ct), allocatableMemory);
            if (EvictionPolicy.ReclaimSufficed(passConfig, after))
            {
                logger.LogInformation("Eviction: node-level reclaim brought {Signal} back above its threshold; no pod evicted", threshold.Signal);
                return new EvictionPass(decision, true, null);
            }
        }

        if (decision.Eviction is not { } eviction || !records.TryGetValue(eviction.Pod.Uid, out var record))
        {
            logger.LogWarning("Eviction: {Signal} is below its threshold, but no pod can be evicted", threshold.Signal);
            return new EvictionPass(decision, false, null);
        }

        // The kubelet's guard in evictPod: a critical pod is never killed, whatever the ranking said.
        if (eviction.Pod.IsCritical)
        {
            return new EvictionPass(decision, false, null);
        }

        var grace = threshold.IsHard ? eviction.GracePeriodSeconds : SoftGracePeriod(eviction.GracePeriodSeconds, record.Manifest.Spec?.TerminationGracePeriodSeconds);
        var evicted = await actions.EvictAsync(record.Uid, eviction.Message, grace, now, ct, eviction.Annotations);
        if (evicted is not null)
        {
            metrics?.Evicted(threshold.Signal);
        }

        return new EvictionPass(decision, false, evicted?.Uid);
    }

    /// <summary>
    /// A soft eviction's grace period: evictionMaxPodGracePeriod, but no longer than the pod's own
    /// terminationGracePeriodSeconds (the kubelet takes the smaller of the two); a negative
    /// maximum defers to the pod's own value (the flag's documented meaning; 30 s when unset).
    /// </summary>
    public static long SoftGracePeriod(long maximum, long? podGracePeriod) =>
        maximum < 0 ? podGracePeriod ?? 30 : podGracePeriod is { } own ? Math.Min(maximum, own) : maximum;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Return to the host at once: the first pass reads every pod's cgroups.
        await Task.Yield();
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    await SynchronizeAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Eviction manager pass failed: {Error}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the agent is stopping
        }
    }
}
