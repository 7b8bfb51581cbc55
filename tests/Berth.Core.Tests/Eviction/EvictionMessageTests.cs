using Berth.Core.Admission;
using Berth.Core.Eviction;
using k8s.Models;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

/// <summary>The kubelet's eviction message, byte for byte: nodeLowMessageFmt, thresholdMetMessageFmt,
/// podMessageFmt and containerMessageFmt, with quantities printed as Quantity.String().</summary>
public class EvictionMessageTests
{
    private static FormattedQuantity Q(string text) => FormattedQuantity.Of(new ResourceQuantity(text));

    private static readonly PodUsage Pod = new("uid-1", "default", "web")
    {
        Containers =
        [
            new ContainerUsage("app") { MemoryRequest = Q("100Mi"), MemoryWorkingSet = 300 * Mi, EphemeralStorageRequest = Q("1Gi"), Rootfs = new FsUsage(1 * Gi, 10), Logs = new FsUsage(512 * Mi, 1) },
            new ContainerUsage("sidecar") { MemoryRequest = Q("128M"), MemoryWorkingSet = 100 * Mi, Rootfs = new FsUsage(1 * Mi, 1), Logs = new FsUsage(0, 0) },
            new ContainerUsage("init") { MemoryWorkingSet = 104_857_601, Rootfs = new FsUsage(2 * Mi, 1) },
        ],
    };

    [Fact]
    public void Memory_names_the_threshold_and_every_container_above_its_request()
    {
        var (message, annotations) = EvictionMessage.Compose("memory", Pod, [Hard("memory.available<100Mi")], Memory(50 * Mi));
        Assert.Equal(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. " +
            "Container app was using 300Mi, request is 100Mi, has larger consumption of memory. " +
            "Container init was using 104857601, request is 0, has larger consumption of memory. ",
            message);
        Assert.Equal("app,init", annotations["offending_containers"]);
        Assert.Equal("300Mi,104857601", annotations["offending_containers_usage"]);
        Assert.Equal("memory", annotations["starved_resource"]);
        Assert.False(annotations.ContainsKey("offending_pod"));
    }

    [Fact]
    public void A_decimal_request_prints_as_written()
    {
        var pod = Pod with { Containers = [new ContainerUsage("sidecar") { MemoryRequest = Q("128M"), MemoryWorkingSet = 200 * Mi }] };
        var (message, _) = EvictionMessage.Compose("memory", pod, [Hard("memory.available<500M")], Memory(256 * Mi));
        Assert.Equal(
            "The node was low on resource: memory. Threshold quantity: 500M, available: 256Mi. " +
            "Container sidecar was using 200Mi, request is 128M, has larger consumption of memory. ",
            message);
    }

    [Fact]
    public void Ephemeral_storage_counts_writable_layer_and_logs_and_skips_containers_without_both()
    {
        var (message, annotations) = EvictionMessage.Compose(
            "ephemeral-storage", Pod, [Hard("nodefs.available<10%")], Signals(("nodefs.available", 5 * Gi, 100 * Gi)));
        Assert.Equal(
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10737418400, available: 5Gi. " +
            "Container app was using 1536Mi, request is 1Gi, has larger consumption of ephemeral-storage. " +
            "Container sidecar was using 1Mi, request is 0, has larger consumption of ephemeral-storage. ",
            message);
        Assert.Equal("app,sidecar", annotations["offending_containers"]);
        Assert.Equal("ephemeral-storage", annotations["starved_resource"]);
    }

    [Theory]
    [InlineData("pids", "pid.available<1000", "pid.available", 500L, 4_194_304L, "The node was low on resource: pids. Threshold quantity: 1k, available: 500. ")]
    [InlineData("inodes", "nodefs.inodesFree<5%", "nodefs.inodesFree", 40_000L, 1_000_000L, "The node was low on resource: inodes. Threshold quantity: 50000, available: 40k. ")]
    public void Counts_have_no_container_parts(string resource, string threshold, string signal, long available, long capacity, string expected)
    {
        var (message, annotations) = EvictionMessage.Compose(resource, Pod, [Hard(threshold)], Signals((signal, available, capacity)));
        Assert.Equal(expected, message);
        Assert.Equal("", annotations["offending_containers"]);
        Assert.Equal("", annotations["offending_containers_usage"]);
        Assert.Equal(resource, annotations["starved_resource"]);
    }

    [Fact]
    public void The_threshold_part_comes_from_the_first_threshold_of_the_same_resource()
    {
        var (message, _) = EvictionMessage.Compose(
            "memory", Pod with { Containers = [] },
            [Hard("nodefs.available<10%"), Hard("allocatableMemory.available<200Mi"), Hard("memory.available<100Mi")],
            Signals(("nodefs.available", 0, 100 * Gi), ("memory.available", 50 * Mi, 8 * Gi), ("allocatableMemory.available", 150 * Mi, 6 * Gi)));
        Assert.Equal("The node was low on resource: memory. Threshold quantity: 200Mi, available: 150Mi. ", message);
    }

    [Fact]
    public void A_pod_without_statistics_gets_the_node_part_only_and_no_annotations()
    {
        var (message, annotations) = EvictionMessage.Compose("memory", Pod with { HasStats = false }, [Hard("memory.available<100Mi")], Memory(50 * Mi));
        Assert.Equal("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ", message);
        Assert.Empty(annotations);
    }

    [Fact]
    public void A_pod_level_memory_request_adds_the_pod_part()
    {
        var pod = new PodUsage("uid-2", "default", "hog") { PodLevelMemoryRequest = Q("1Gi"), MemoryWorkingSet = 2 * Gi };
        var (message, annotations) = EvictionMessage.Compose("memory", pod, [Hard("memory.available<100Mi")], Memory(50 * Mi));
        Assert.Equal(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. " +
            "Pod hog was using 2Gi, request is 1Gi, has larger consumption of memory. ",
            message);
        Assert.Equal("hog", annotations["offending_pod"]);
        Assert.Equal("2Gi", annotations["offending_pod_usage"]);
    }

    [Fact]
    public void The_eviction_carries_the_disruption_target_condition()
    {
        var decision = EvictionPolicy.Decide(
            new EvictionConfig { Hard = Levels("memory.available<100Mi") }, EvictionState.Initial, T0, Memory(50 * Mi), [Pod]);
        var condition = decision.Eviction!.DisruptionTarget(T0);
        Assert.Equal(("DisruptionTarget", "True", "TerminationByKubelet"), (condition.Type, condition.Status, condition.Reason));
        Assert.Equal(decision.Eviction.Message, condition.Message);
        Assert.StartsWith("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container app was using 300Mi", condition.Message);
    }
}
