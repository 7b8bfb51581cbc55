using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Core.Planning;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class EvictionPolicyTests
{
    private static readonly EvictionConfig HardMemory = new() { Hard = Levels("memory.available<100Mi"), EnforcePodsAllocatable = false };

    private static readonly PodUsage Hog = new("uid-hog", "default", "hog") { Qos = QosClass.BestEffort, MemoryWorkingSet = 2 * Gi };
    private static readonly PodUsage Quiet = new("uid-quiet", "default", "quiet") { Qos = QosClass.Burstable, MemoryRequest = 1 * Gi, MemoryWorkingSet = 100 * Mi };

    private static EvictionDecision Step(EvictionConfig config, EvictionState state, int second, Dictionary<string, SignalObservation> observations, params PodUsage[] pods) =>
        EvictionPolicy.Decide(config, state, T0.AddSeconds(second), observations, pods);

    [Fact]
    public void Nothing_met_means_no_pressure_and_no_eviction()
    {
        var decision = Step(HardMemory, EvictionState.Initial, 0, Memory(1 * Gi), Hog);
        Assert.Empty(decision.ThresholdsMet);
        Assert.Null(decision.ThresholdToReclaim);
        Assert.Null(decision.Eviction);
        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure"], decision.Conditions.Select(c => c.Type));
        Assert.All(decision.Conditions, c => Assert.False(c.Pressure));
        Assert.Empty(decision.Next.PressureConditions);
    }

    [Fact]
    public void A_hard_threshold_evicts_one_pod_at_once_with_a_one_second_grace_period()
    {
        var decision = Step(HardMemory, EvictionState.Initial, 0, Memory(50 * Mi), Quiet, Hog);
        Assert.Equal("memory", decision.ResourceToReclaim);
        Assert.Equal(NodeReclaim.None, decision.Reclaim);
        Assert.Equal("hog", decision.Eviction!.Pod.Name);
        Assert.Equal(1, decision.Eviction.GracePeriodSeconds);
        Assert.Equal("Evicted", decision.Eviction.Reason);
        Assert.Equal("Attempting to reclaim memory", decision.ThresholdMetEvent);
        Assert.Equal(["MemoryPressure"], decision.Next.PressureConditions);
    }

    [Fact]
    public void A_soft_threshold_waits_for_its_grace_period_while_it_stays_met()
    {
        var config = new EvictionConfig
        {
            Hard = [],
            Soft = Levels("memory.available<1Gi"),
            SoftGracePeriods = new Dictionary<string, TimeSpan> { ["memory.available"] = TimeSpan.FromSeconds(60) },
            MaxPodGracePeriodSeconds = 30,
        };

        var first = Step(config, EvictionState.Initial, 0, Memory(512 * Mi), Hog);
        Assert.Null(first.Eviction);
        Assert.Equal(["MemoryPressure"], first.Next.PressureConditions); // the condition does not wait for the grace period

        var before = Step(config, first.Next, 59, Memory(512 * Mi), Hog);
        Assert.Null(before.Eviction);

        var after = Step(config, before.Next, 60, Memory(512 * Mi), Hog);
        Assert.Equal("hog", after.Eviction!.Pod.Name);
        Assert.Equal(30, after.Eviction.GracePeriodSeconds); // evictionMaxPodGracePeriod for a soft eviction
    }

    [Fact]
    public void A_soft_threshold_that_recovers_starts_its_grace_period_again()
    {
        var config = new EvictionConfig
        {
            Hard = [],
            Soft = Levels("memory.available<1Gi"),
            SoftGracePeriods = new Dictionary<string, TimeSpan> { ["memory.available"] = TimeSpan.FromSeconds(60) },
        };

        var met = Step(config, EvictionState.Initial, 0, Memory(512 * Mi), Hog);
        var recovered = Step(config, met.Next, 30, Memory(2 * Gi), Hog);
        var metAgain = Step(config, recovered.Next, 61, Memory(512 * Mi), Hog);
        Assert.Null(metAgain.Eviction);
        Assert.Equal(T0.AddSeconds(61), metAgain.Next.ThresholdsFirstObservedAt.Values.Single());
        Assert.NotNull(Step(config, metAgain.Next, 121, Memory(512 * Mi), Hog).Eviction);
    }

    [Fact]
    public void Minimum_reclaim_keeps_a_met_threshold_acting_until_available_reaches_threshold_plus_reclaim()
    {
        var config = HardMemory with { MinimumReclaim = new Dictionary<string, EvictionThreshold> { ["memory.available"] = Level("memory.available<400Mi") } };

        var met = Step(config, EvictionState.Initial, 0, Memory(50 * Mi), Hog, Quiet);
        Assert.Equal("hog", met.Eviction!.Pod.Name);

        // Above the 100Mi threshold but below 100Mi + 400Mi: still met, the next pod goes.
        var notYet = Step(config, met.Next, 10, Memory(300 * Mi), Quiet);
        Assert.Equal("quiet", notYet.Eviction!.Pod.Name);
        Assert.Single(notYet.Next.ThresholdsMet);

        var resolved = Step(config, notYet.Next, 20, Memory(500 * Mi), Quiet);
        Assert.Null(resolved.Eviction);
        Assert.Empty(resolved.Next.ThresholdsMet);

        // Resolved means the plain threshold again: 300Mi is no longer met.
        Assert.Null(Step(config, resolved.Next, 30, Memory(300 * Mi), Quiet).Eviction);
    }

    [Fact]
    public void A_condition_is_held_for_the_transition_period_after_the_threshold_was_last_met_then_cleared()
    {
        var config = HardMemory with { PressureTransitionPeriod = TimeSpan.FromMinutes(5) };
        var met = Step(config, EvictionState.Initial, 0, Memory(50 * Mi));
        var memory = met.Conditions.Single(c => c.Type == "MemoryPressure");
        Assert.True(memory.Pressure);
        Assert.Equal(T0, memory.LastTransitionTime);

        var metAgain = Step(config, met.Next, 60, Memory(50 * Mi));
        var recovered = Step(config, metAgain.Next, 61, Memory(1 * Gi));
        Assert.Null(recovered.Eviction);
        Assert.Equal(["MemoryPressure"], recovered.Next.PressureConditions);

        var stillHeld = Step(config, recovered.Next, 60 + 299, Memory(1 * Gi));
        Assert.Equal(["MemoryPressure"], stillHeld.Next.PressureConditions);
        Assert.Equal(T0, stillHeld.Conditions.Single(c => c.Type == "MemoryPressure").LastTransitionTime);

        var cleared = Step(config, stillHeld.Next, 60 + 300, Memory(1 * Gi));
        Assert.Empty(cleared.Next.PressureConditions);
        var after = cleared.Conditions.Single(c => c.Type == "MemoryPressure");
        Assert.Equal(T0.AddSeconds(360), after.LastTransitionTime);
        Assert.Equal("KubeletHasSufficientMemory", after.Reason);
    }

    [Theory]
    [InlineData("nodefs.available<10%", FilesystemLayout.Shared, NodeReclaim.Containers | NodeReclaim.Images, "DiskPressure")]
    [InlineData("nodefs.available<10%", FilesystemLayout.DedicatedImageFs, NodeReclaim.None, "DiskPressure")]
    [InlineData("imagefs.available<15%", FilesystemLayout.SplitImageFs, NodeReclaim.Images, "DiskPressure")]
    [InlineData("pid.available<1000", FilesystemLayout.Shared, NodeReclaim.None, "PIDPressure")]
    public void Disk_signals_try_node_level_reclaim_first(string threshold, FilesystemLayout layout, NodeReclaim reclaim, string condition)
    {
        var config = new EvictionConfig { Hard = Levels(threshold), Filesystems = layout };
        var signal = Level(threshold).Signal;
        var decision = Step(config, EvictionState.Initial, 0, Signals((signal, 0, 100 * Gi)), Hog);
        Assert.Equal(reclaim, decision.Reclaim);
        Assert.Equal([condition], decision.Next.PressureConditions);
        Assert.NotNull(decision.Eviction); // ready in case the reclaim is not enough
    }

    [Fact]
    public void Reclaim_suffices_only_once_every_threshold_is_clear_by_its_minimum_reclaim()
    {
        var config = new EvictionConfig
        {
            Hard = Levels("nodefs.available<10%"),
            MinimumReclaim = new Dictionary<string, EvictionThreshold> { ["nodefs.available"] = Level("nodefs.available<5Gi") },
        };
        Assert.False(EvictionPolicy.ReclaimSufficed(config, Signals(("nodefs.available", 12 * Gi, 100 * Gi))));
        Assert.True(EvictionPolicy.ReclaimSufficed(config, Signals(("nodefs.available", 16 * Gi, 100 * Gi))));
    }

    [Fact]
    public void Memory_is_acted_on_before_disk_when_both_are_met()
    {
        var config = new EvictionConfig { Hard = Levels("nodefs.available<10%,memory.available<100Mi") };
        var decision = Step(config, EvictionState.Initial, 0, Signals(("nodefs.available", 0, 100 * Gi), ("memory.available", 0, 8 * Gi)), Hog);
        Assert.Equal("memory.available", decision.ThresholdToReclaim!.Signal);
        Assert.Equal(["MemoryPressure", "DiskPressure"], decision.Next.PressureConditions);
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 2_000_000_000)]
    [InlineData(false, int.MaxValue)]
    public void Static_and_critical_pods_are_never_chosen(bool isStatic, int priority)
    {
        var critical = Hog with { Name = "critical", IsStatic = isStatic, Priority = priority, MemoryWorkingSet = 8 * Gi };
        var decision = Step(HardMemory, EvictionState.Initial, 0, Memory(0), critical, Quiet);
        Assert.Equal("quiet", decision.Eviction!.Pod.Name);
        Assert.Null(Step(HardMemory, EvictionState.Initial, 0, Memory(0), critical).Eviction);
    }

    [Fact]
    public void Just_below_system_critical_priority_a_pod_can_be_evicted()
    {
        var almost = Hog with { Priority = 1_999_999_999 };
        Assert.Equal("hog", Step(HardMemory, EvictionState.Initial, 0, Memory(0), almost).Eviction!.Pod.Name);
    }

    [Fact]
    public void The_same_statistics_do_not_evict_twice()
    {
        var at = new Dictionary<string, SignalObservation> { ["memory.available"] = new(0, 8 * Gi, T0) };
        var first = Step(HardMemory, EvictionState.Initial, 0, at, Hog, Quiet);
        Assert.NotNull(first.Eviction);
        var again = Step(HardMemory, first.Next, 10, at, Quiet);
        Assert.Null(again.Eviction);
        Assert.Equal(["MemoryPressure"], again.Next.PressureConditions);
        var newer = new Dictionary<string, SignalObservation> { ["memory.available"] = new(0, 8 * Gi, T0.AddSeconds(10)) };
        Assert.NotNull(Step(HardMemory, again.Next, 20, newer, Quiet).Eviction);
    }

    [Fact]
    public void Allocatable_memory_pressure_evicts_like_memory_pressure()
    {
        var config = new EvictionConfig { Hard = Levels("memory.available<100Mi") };
        var decision = Step(config, EvictionState.Initial, 0, Signals(("memory.available", 4 * Gi, 8 * Gi), ("allocatableMemory.available", 50 * Mi, 6 * Gi)), Hog);
        Assert.Equal("allocatableMemory.available", decision.ThresholdToReclaim!.Signal);
        Assert.StartsWith("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ", decision.Eviction!.Message);
    }
}
