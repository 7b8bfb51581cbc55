using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Node.Eviction;
using Berth.Node.Metrics;
using Berth.Runtime;
using Berth.Runtime.Pods;
using Microsoft.Extensions.Logging.Abstractions;
using static Berth.Node.Tests.Eviction.EvictionPods;

namespace Berth.Node.Tests.Eviction;

/// <summary>The eviction manager's passes on a fake node: a fake housekeeping provider, a clock the
/// test moves and pods whose eviction is only recorded.</summary>
public class EvictionManagerTests
{
    private const long Mi = 1024 * 1024;

    private static readonly EvictionConfig Config = new()
    {
        Hard = [new EvictionThreshold(EvictionThresholds.MemoryAvailable, 100 * Mi, null), new EvictionThreshold(EvictionThresholds.NodeFsAvailable, null, 0.10), new EvictionThreshold(EvictionThresholds.PidAvailable, 1000, null)],
        PressureTransitionPeriod = TimeSpan.FromSeconds(30),
        EnforcePodsAllocatable = false,
    };

    private readonly ManualClock clock = new(Snapshots.Now);
    private readonly FakeActions actions = new();
    private readonly NodePressure pressure = new();
    private readonly AgentMetrics metrics = new();
    private readonly NodeEvents events = new("node-1");
    private readonly LivePod hog;
    private readonly LivePod db;
    private long memoryAvailable = 4000 * Mi;
    private long fsAvailable = 50_000;
    private long pidsAvailable = 50_000;

    public EvictionManagerTests()
    {
        hog = new(Record("hog", BestEffort), 600 * Mi);
        db = new(Record("db", Guaranteed), 200 * Mi);
        actions.Records.AddRange([db.Record, hog.Record]);
    }

    [Fact]
    public async Task No_threshold_met_reports_no_pressure_and_evicts_nothing()
    {
        var pass = await Manager().SynchronizeAsync(CancellationToken.None);

        Assert.Null(pass.Decision.ThresholdToReclaim);
        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure"], pressure.Conditions.Select(c => c.Type));
        Assert.All(pressure.Conditions, c => Assert.False(c.Pressure));
        Assert.Empty(pressure.PressureConditions);
        Assert.Empty(actions.Evicted);

        // The kubelet's node events when the conditions are first set.
        Assert.Equal(["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"], events.All.Select(e => e.Reason));
        Assert.Equal("Node node-1 status is now: NodeHasSufficientMemory", events.All[0].Message);
        Assert.All(events.All, e => Assert.Equal("Normal", e.Type));
    }

    [Fact]
    public async Task Low_memory_raises_MemoryPressure_and_evicts_the_BestEffort_hog_before_the_Guaranteed_pod()
    {
        memoryAvailable = 50 * Mi;

        var pass = await Manager().SynchronizeAsync(CancellationToken.None);

        Assert.Equal(["MemoryPressure"], pressure.PressureConditions);
        var evicted = Assert.Single(actions.Evicted);
        Assert.Equal(hog.Record.Uid, evicted.Uid);
        Assert.Equal(hog.Record.Uid, pass.EvictedUid);
        Assert.StartsWith("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ", evicted.Message, StringComparison.Ordinal);
        Assert.Equal(PodEviction.ImmediateGracePeriodSeconds, evicted.Grace); // a hard threshold
        Assert.Empty(actions.Reclaims); // memory has no node-level reclaim
        Assert.Equal(1, (await PrometheusText.ExportAsync(metrics.Registry)).Value("kubelet_evictions", "eviction_signal=memory.available"));
        Assert.Contains(events.All, e => e is { Type: "Normal", Reason: "NodeHasInsufficientMemory" });
        var annotations = actions.Annotations[hog.Record.Uid]!;
        Assert.Equal("memory", annotations["starved_resource"]);
        Assert.NotEmpty(annotations["offending_containers"]); // the container using more than its request
        Assert.Contains(events.All, e => e is { Type: "Warning", Reason: "EvictionThresholdMet", Message: "Attempting to reclaim memory" });
    }

    [Fact]
    public async Task At_most_one_pod_is_evicted_per_pass_and_the_next_pass_takes_the_next()
    {
        memoryAvailable = 50 * Mi;
        var manager = Manager();

        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.Single(actions.Evicted);

        clock.Advance(TimeSpan.FromSeconds(10));
        await manager.SynchronizeAsync(CancellationToken.None);

        Assert.Equal([hog.Record.Uid, db.Record.Uid], actions.Evicted.Select(e => e.Uid));
    }

    [Fact]
    public async Task Static_pods_are_never_evicted()
    {
        memoryAvailable = 50 * Mi;
        var etcd = new LivePod(Record("etcd", BestEffort, source: "file:/etc/berth/manifests/etcd.yaml"), 900 * Mi);
        actions.Records.Clear();
        actions.Records.Add(etcd.Record);

        var pass = await Manager(extra: etcd).SynchronizeAsync(CancellationToken.None);

        Assert.Equal(["MemoryPressure"], pressure.PressureConditions);
        Assert.Null(pass.EvictedUid);
        Assert.Empty(actions.Evicted);
    }

    [Fact]
    public async Task The_condition_holds_for_the_transition_period_after_the_signal_recovers()
    {
        memoryAvailable = 50 * Mi;
        var manager = Manager();
        await manager.SynchronizeAsync(CancellationToken.None);
        var raisedAt = pressure.Conditions.Single(c => c.Type == "MemoryPressure").LastTransitionTime;

        memoryAvailable = 4000 * Mi; // the hog is gone
        clock.Advance(TimeSpan.FromSeconds(20));
        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.Equal(["MemoryPressure"], pressure.PressureConditions);

        clock.Advance(TimeSpan.FromSeconds(15)); // 35 s since last seen, past the 30 s period
        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.Empty(pressure.PressureConditions);
        var cleared = pressure.Conditions.Single(c => c.Type == "MemoryPressure");
        Assert.True(cleared.LastTransitionTime > raisedAt);
        Assert.Equal("KubeletHasSufficientMemory", cleared.Reason);
        Assert.Single(actions.Evicted);
    }

    [Fact]
    public async Task Disk_pressure_deletes_dead_containers_then_unused_images_and_evicts_no_pod_when_that_was_enough()
    {
        fsAvailable = 5_000;
        actions.OnDeleteImages = () => fsAvailable = 60_000;

        var pass = await Manager().SynchronizeAsync(CancellationToken.None);

        Assert.Equal(["DiskPressure"], pressure.PressureConditions);
        Assert.Equal(["containers", "images"], actions.Reclaims);
        Assert.True(pass.ReclaimSufficed);
        Assert.Empty(actions.Evicted);
    }

    [Fact]
    public async Task Disk_pressure_evicts_the_pod_using_most_disk_when_deleting_images_was_not_enough()
    {
        fsAvailable = 5_000;
        var writer = new LivePod(Record("writer", BestEffort), 10 * Mi, RootfsBytes: 40_000);
        actions.Records.Add(writer.Record);

        var pass = await Manager(extra: writer).SynchronizeAsync(CancellationToken.None);

        Assert.Equal(1, actions.ImageCollections);
        Assert.False(pass.ReclaimSufficed);
        var evicted = Assert.Single(actions.Evicted);
        Assert.Equal(writer.Record.Uid, evicted.Uid);
        Assert.StartsWith("The node was low on resource: ephemeral-storage. ", evicted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pid_pressure_raises_PIDPressure_and_evicts_the_pod_with_most_processes()
    {
        pidsAvailable = 500;
        var forker = new LivePod(Record("forker", BestEffort), 10 * Mi, Processes: 300);
        actions.Records.Add(forker.Record);

        await Manager(extra: forker).SynchronizeAsync(CancellationToken.None);

        Assert.Equal(["PIDPressure"], pressure.PressureConditions);
        Assert.Equal(forker.Record.Uid, Assert.Single(actions.Evicted).Uid);
    }

    [Fact]
    public async Task A_soft_threshold_waits_its_grace_period_and_evicts_with_the_max_pod_grace_period()
    {
        memoryAvailable = 400 * Mi;
        var config = Config with
        {
            Soft = [new EvictionThreshold(EvictionThresholds.MemoryAvailable, 500 * Mi, null)],
            SoftGracePeriods = new Dictionary<string, TimeSpan> { [EvictionThresholds.MemoryAvailable] = TimeSpan.FromSeconds(30) },
            MaxPodGracePeriodSeconds = 20,
        };
        var manager = Manager(config);

        await manager.SynchronizeAsync(CancellationToken.None);
        Assert.Equal(["MemoryPressure"], pressure.PressureConditions);
        Assert.Empty(actions.Evicted);

        clock.Advance(TimeSpan.FromSeconds(31));
        await manager.SynchronizeAsync(CancellationToken.None);
        var evicted = Assert.Single(actions.Evicted);
        Assert.Equal((hog.Record.Uid, 20L), (evicted.Uid, evicted.Grace));
    }

    [Theory]
    [InlineData(20, null, 20)]
    [InlineData(20, 5L, 5)] // the pod's own is shorter
    [InlineData(20, 60L, 20)]
    [InlineData(-1, 60L, 60)] // negative defers to the pod
    [InlineData(-1, null, 30)]
    public void A_soft_evictions_grace_period_is_the_smaller_of_the_maximum_and_the_pods_own(long maximum, long? pod, long expected) =>
        Assert.Equal(expected, EvictionManager.SoftGracePeriod(maximum, pod));

    [Fact]
    public void The_config_carries_every_eviction_setting_of_the_node()
    {
        var options = new NodeProtectionOptions
        {
            EvictionSoft = [new EvictionThreshold(EvictionThresholds.MemoryAvailable, 1, null)],
            EvictionSoftGracePeriod = new Dictionary<string, TimeSpan> { [EvictionThresholds.MemoryAvailable] = TimeSpan.FromMinutes(1) },
            EvictionMinimumReclaim = new Dictionary<string, EvictionThreshold> { [EvictionThresholds.MemoryAvailable] = new(EvictionThresholds.MemoryAvailable, 5, null) },
            EvictionPressureTransitionPeriod = TimeSpan.FromSeconds(7),
            EvictionMaxPodGracePeriod = 12,
            Enforce = AllocatableEnforcement.None,
        };

        var config = EvictionManager.ConfigOf(options);

        Assert.Equal((options.EvictionHard, options.EvictionSoft, TimeSpan.FromSeconds(7), 12L, false), (config.Hard, config.Soft, config.PressureTransitionPeriod, config.MaxPodGracePeriodSeconds, config.EnforcePodsAllocatable));
        Assert.Equal(5, config.MinimumReclaim[EvictionThresholds.MemoryAvailable].Amount);
        Assert.Equal(TimeSpan.FromMinutes(1), config.SoftGracePeriods[EvictionThresholds.MemoryAvailable]);
    }

    private EvictionManager Manager(EvictionConfig? config = null, LivePod? extra = null)
    {
        var stats = new FakeStats(clock, at =>
        {
            // A pod the manager evicted is gone from the node's statistics.
            var live = new[] { hog, db, extra ?? hog }
                .DistinctBy(p => p.Record.Uid)
                .Where(p => actions.Records.Any(r => r.Uid == p.Record.Uid && r.Lifecycle == PodLifecycle.Active))
                .Select(p => Sample(p.Record, at, (ulong)p.WorkingSet, p.Processes, p.RootfsBytes))
                .ToArray();
            return EvictionPods.Node(at, memoryAvailable, fsAvailable, pidsAvailable, live);
        });
        return new EvictionManager(stats, actions, pressure, config ?? Config, null, TimeSpan.FromSeconds(10), clock, NullLogger<EvictionManager>.Instance, metrics, events);
    }

    private sealed record LivePod(PodRecord Record, long WorkingSet, ulong Processes = 1, ulong RootfsBytes = 0);
}
