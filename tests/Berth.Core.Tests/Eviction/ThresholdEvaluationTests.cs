using Berth.Core.Capacity;
using Berth.Core.Eviction;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class ThresholdEvaluationTests
{
    public static TheoryData<string, string, long, long, bool> MetCases => new()
    {
        // name, threshold, available, capacity, met
        { "below an amount", "memory.available<100Mi", 99 * Mi, 8 * Gi, true },
        { "at an amount is not met (strictly less than)", "memory.available<100Mi", 100 * Mi, 8 * Gi, false },
        { "above an amount", "memory.available<100Mi", 101 * Mi, 8 * Gi, false },
        { "below a percentage of capacity", "nodefs.available<10%", 99, 1000, true },
        { "at a percentage is not met", "nodefs.available<10%", 100, 1000, false },
        { "10Gi of 100Gi is below 10%: float32(0.1) puts the threshold 160 bytes above 10Gi", "nodefs.available<10%", 10 * Gi, 100 * Gi, true },
        { "pids", "pid.available<1000", 999, 4_194_304, true },
        { "inodes", "nodefs.inodesFree<5%", 49_999, 1_000_000, true },
    };

    [Theory]
    [MemberData(nameof(MetCases))]
    public void A_threshold_is_met_when_available_falls_below_it(string name, string threshold, long available, long capacity, bool met)
    {
        var hard = Hard(threshold);
        var result = ThresholdEvaluation.Met([hard], Signals((hard.Signal, available, capacity)), enforceMinimumReclaim: false);
        Assert.True(met == result.Contains(hard), name);
    }

    [Fact]
    public void A_percentage_is_truncated_the_way_the_kubelet_multiplies_a_float32()
    {
        // 10% of 1001 bytes is 100.1: int64(float64(1001) * float64(float32(0.1))) = 100, not a ceiling's 101.
        Assert.Equal(100, Hard("nodefs.available<10%").QuantityFor(1001));

        // float32(0.1) is 0.100000001490116..., so 10% of 100Gi is 160 bytes more than 10Gi.
        Assert.Equal(10_737_418_400, Hard("nodefs.available<10%").QuantityFor(100 * Gi));
    }

    [Fact]
    public void A_threshold_without_an_observation_is_not_met()
    {
        Assert.Empty(ThresholdEvaluation.Met([Hard("imagefs.available<15%")], Memory(0), enforceMinimumReclaim: false));
    }

    [Theory]
    [InlineData(150, true)] // above the threshold (100Mi) but below threshold + reclaim (100Mi + 100Mi)
    [InlineData(199, true)]
    [InlineData(200, false)] // recovered to threshold + minimum reclaim
    public void With_minimum_reclaim_a_threshold_stays_met_until_threshold_plus_reclaim(long availableMi, bool met)
    {
        var hard = Hard("memory.available<100Mi", minimumReclaim: "memory.available<100Mi");
        Assert.Equal(met, ThresholdEvaluation.Met([hard], Memory(availableMi * Mi), enforceMinimumReclaim: true).Count == 1);
        Assert.Empty(ThresholdEvaluation.Met([hard], Memory(availableMi * Mi), enforceMinimumReclaim: false));
    }

    [Fact]
    public void A_percentage_minimum_reclaim_is_taken_of_capacity()
    {
        var hard = Hard("nodefs.available<10%", minimumReclaim: "nodefs.available<5%");
        Assert.Equal(150, hard.ResolvedAt(1000));
    }

    [Fact]
    public void First_observed_keeps_the_earlier_time_and_forgets_thresholds_no_longer_met()
    {
        var memory = Soft("memory.available<1Gi", TimeSpan.FromMinutes(1));
        var disk = Hard("nodefs.available<10%");
        var previous = new Dictionary<SignalThreshold, DateTimeOffset> { [memory] = T0, [disk] = T0 };
        var now = T0.AddSeconds(30);
        var first = ThresholdEvaluation.FirstObservedAt([memory, Hard("pid.available<100")], previous, now);
        Assert.Equal(T0, first[memory]);
        Assert.Equal(now, first[Hard("pid.available<100")]);
        Assert.False(first.ContainsKey(disk));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(89, false)]
    [InlineData(90, true)] // met for exactly the grace period counts
    [InlineData(600, true)]
    public void A_soft_threshold_counts_once_met_for_its_grace_period(int seconds, bool counts)
    {
        var soft = Soft("memory.available<1Gi", TimeSpan.FromSeconds(90));
        var first = new Dictionary<SignalThreshold, DateTimeOffset> { [soft] = T0 };
        Assert.Equal(counts, ThresholdEvaluation.MetGracePeriod([soft], first, T0.AddSeconds(seconds)).Count == 1);
    }

    [Fact]
    public void A_hard_threshold_counts_at_once()
    {
        var hard = Hard("memory.available<100Mi");
        Assert.Single(ThresholdEvaluation.MetGracePeriod([hard], new Dictionary<SignalThreshold, DateTimeOffset> { [hard] = T0 }, T0));
    }

    [Theory]
    [InlineData(null, null, true)] // no times: always new
    [InlineData(10, null, true)] // no previous time
    [InlineData(null, 10, true)] // no time now
    [InlineData(10, 20, true)]
    [InlineData(10, 10, false)] // the same sample again does not act twice
    [InlineData(20, 10, false)]
    public void Only_thresholds_with_newer_statistics_act(int? lastSecond, int? nowSecond, bool acts)
    {
        var hard = Hard("memory.available<100Mi");
        DateTimeOffset? At(int? s) => s is { } v ? T0.AddSeconds(v) : null;
        var last = new Dictionary<string, SignalObservation> { [hard.Signal] = new(0, 8 * Gi, At(lastSecond)) };
        var now = new Dictionary<string, SignalObservation> { [hard.Signal] = new(0, 8 * Gi, At(nowSecond)) };
        Assert.Equal(acts, ThresholdEvaluation.UpdatedStats([hard], now, last).Count == 1);
    }

    [Fact]
    public void Merge_adds_only_thresholds_not_already_listed()
    {
        var a = Hard("memory.available<100Mi");
        var b = Hard("nodefs.available<10%");
        Assert.Equal([a, b], ThresholdEvaluation.Merge([a], [b, a, Hard("memory.available<100Mi")]));
    }

    [Fact]
    public void Memory_is_reclaimed_before_other_resources()
    {
        var disk = Hard("nodefs.available<10%");
        var pid = Hard("pid.available<100");
        var allocatable = Hard("allocatableMemory.available<100Mi");
        Assert.Equal(allocatable, ThresholdEvaluation.ToReclaim([disk, pid, allocatable]));
        Assert.Equal(disk, ThresholdEvaluation.ToReclaim([disk, pid]));
        Assert.Null(ThresholdEvaluation.ToReclaim([]));
    }

    [Fact]
    public void Signal_names_map_to_the_kubelets_resources_and_conditions()
    {
        Assert.Equal("memory", EvictionSignals.ResourceOf(EvictionThresholds.AllocatableMemoryAvailable));
        Assert.Equal("ephemeral-storage", EvictionSignals.ResourceOf(EvictionThresholds.ContainerFsAvailable));
        Assert.Equal("inodes", EvictionSignals.ResourceOf(EvictionThresholds.ImageFsInodesFree));
        Assert.Equal("pids", EvictionSignals.ResourceOf(EvictionThresholds.PidAvailable));
        Assert.Equal("DiskPressure", EvictionSignals.ConditionOf(EvictionThresholds.NodeFsInodesFree));
        Assert.Equal("MemoryPressure", EvictionSignals.ConditionOf(EvictionThresholds.AllocatableMemoryAvailable));
        Assert.Equal("PIDPressure", EvictionSignals.ConditionOf(EvictionThresholds.PidAvailable));
    }
}
