using Berth.Core.Planning;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

/// <summary>KEP-2570 Memory QoS: memory.high with the throttling factor, and TieredReservation's
/// memory.min and memory.low on container, pod and QoS cgroups.</summary>
public class MemoryQosTests
{
    private const long Mi = 1L << 20;

    private static MemoryQosSettings Settings(double factor = 0.9, MemoryReservationPolicy policy = MemoryReservationPolicy.None, long allocatable = 8192 * Mi) =>
        new(factor, policy, allocatable, PageSize: Mi); // 1 MiB pages make the KEP's table exact

    // The KEP's table (limit 1000Mi): request, factor -> memory.high, or null for "max".
    [Theory]
    [InlineData(500, 0.6, 800L)]
    [InlineData(800, 0.6, 920L)]
    [InlineData(1000, 0.6, null)]
    [InlineData(500, 0.8, 900L)]
    [InlineData(850, 0.8, 970L)]
    [InlineData(500, 0.4, 700L)]
    public void Memory_high_lies_between_request_and_limit_by_the_throttling_factor(long request, double factor, long? high)
    {
        var memory = MemoryQos.ForContainer(Settings(factor), QosClass.Burstable, request * Mi, 1000 * Mi);

        Assert.Equal(high * Mi, memory.High);
    }

    [Fact]
    public void Memory_high_rounds_down_to_whole_pages()
    {
        var memory = MemoryQos.ForContainer(Settings(0.9) with { PageSize = 4096 }, QosClass.Burstable, 0, 100_000);

        Assert.Equal(86016, memory.High); // 90000 rounded down to 4 KiB pages
    }

    [Fact]
    public void Without_a_limit_node_allocatable_memory_is_the_ceiling_and_guaranteed_is_never_throttled()
    {
        Assert.Equal(7372 * Mi, MemoryQos.ForContainer(Settings(allocatable: 8192 * Mi), QosClass.BestEffort, 0, null).High);
        Assert.Equal(7382 * Mi, MemoryQos.ForContainer(Settings(allocatable: 8192 * Mi), QosClass.Burstable, 100 * Mi, null).High);
        Assert.Null(MemoryQos.ForContainer(Settings(), QosClass.Guaranteed, 1000 * Mi, 1000 * Mi).High);
    }

    [Fact]
    public void Off_sets_nothing()
    {
        Assert.Equal(MemoryProtection.Off, MemoryQos.ForContainer(null, QosClass.Burstable, 100 * Mi, 200 * Mi));
        Assert.Equal(MemoryProtection.Off, MemoryQos.ForPod(null, QosClass.Guaranteed, With(C("a", limits: "cpu: 1, memory: 1Gi")).Pod.Spec));
    }

    [Fact]
    public void Tiered_reservation_protects_guaranteed_with_min_and_burstable_with_low()
    {
        var tiered = Settings(policy: MemoryReservationPolicy.TieredReservation);

        Assert.Equal(new MemoryProtection(Min: 1000 * Mi), MemoryQos.ForContainer(tiered, QosClass.Guaranteed, 1000 * Mi, 1000 * Mi));
        var burstable = MemoryQos.ForContainer(tiered, QosClass.Burstable, 500 * Mi, 1000 * Mi);
        Assert.Equal((long?)null, burstable.Min);
        Assert.Equal(500 * Mi, burstable.Low);
        Assert.Equal(950 * Mi, burstable.High);
        Assert.Equal(new MemoryProtection(High: 7372 * Mi), MemoryQos.ForContainer(tiered, QosClass.BestEffort, 0, null));
        Assert.Null(MemoryQos.ForContainer(Settings(), QosClass.Guaranteed, 1000 * Mi, 1000 * Mi).Min);
    }

    [Fact]
    public void Pod_and_qos_cgroups_sum_the_running_containers_requests()
    {
        var tiered = Settings(policy: MemoryReservationPolicy.TieredReservation);
        var guaranteed = With(C("a", limits: "cpu: 1, memory: 256Mi") + "\n" + C("b", limits: "cpu: 1, memory: 128Mi")).Pod.Spec;
        var burstable = With(C("a", "memory: 64Mi"), initContainers: C("init", "memory: 512Mi") + "\n" + C("side", "memory: 32Mi", extra: "restartPolicy: Always")).Pod.Spec;
        var bestEffort = With(C("a")).Pod.Spec;

        Assert.Equal(new MemoryProtection(Min: 384 * Mi), MemoryQos.ForPod(tiered, QosClass.Guaranteed, guaranteed));
        Assert.Equal(new MemoryProtection(Low: 96 * Mi), MemoryQos.ForPod(tiered, QosClass.Burstable, burstable)); // not the init container's
        Assert.Equal(MemoryProtection.Off, MemoryQos.ForPod(tiered, QosClass.BestEffort, bestEffort));
        Assert.Equal(480 * Mi, MemoryQos.KubepodsMin(tiered, [(QosClass.Guaranteed, guaranteed), (QosClass.Burstable, burstable), (QosClass.BestEffort, bestEffort)]));
        Assert.Equal(96 * Mi, MemoryQos.BurstableLow(tiered, [burstable]));
        Assert.Null(MemoryQos.KubepodsMin(Settings(), [(QosClass.Guaranteed, guaranteed)]));
    }

    [Fact]
    public void The_planner_writes_memory_qos_into_pod_and_container_plans()
    {
        var node = NodeFacts.Default(cgroupVersion: 2, memoryCapacity: 8192 * Mi) with { MemoryQos = Settings(policy: MemoryReservationPolicy.TieredReservation) };

        var plan = PodPlanner.Plan(With(C("a", "memory: 100Mi", "memory: 200Mi")), node);

        Assert.Equal(new MemoryProtection(Low: 100 * Mi), plan.Memory);
        Assert.Equal(new MemoryProtection(Low: 100 * Mi, High: 190 * Mi), plan.Containers.Single().Memory);
    }
}
