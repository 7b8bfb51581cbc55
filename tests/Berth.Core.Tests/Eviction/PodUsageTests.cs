using Berth.Core.Eviction;
using Berth.Core.Planning;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class PodUsageTests
{
    [Fact]
    public void Requests_sum_containers_take_the_init_maximum_and_add_overhead()
    {
        var manifest = Pods.With(
            Pods.C("a", requests: "memory: 100Mi, ephemeral-storage: 1Gi") + "\n" + Pods.C("b", requests: "memory: 50Mi"),
            initContainers: Pods.C("init", requests: "memory: 500Mi"),
            specExtra: "  priority: 7\n  overhead:\n    memory: 10Mi");
        var pod = PodUsage.From(manifest.Pod);
        Assert.Equal(510 * Mi, pod.MemoryRequest);
        Assert.Equal(1 * Gi, pod.EphemeralStorageRequest);
        Assert.Equal(7, pod.Priority);
        Assert.Equal(QosClass.Burstable, pod.Qos);
        Assert.Equal(["a", "b", "init"], pod.Containers.Select(c => c.Name));
        Assert.Equal("100Mi", pod.Containers[0].MemoryRequest.ToString());
        Assert.Null(pod.Containers[1].EphemeralStorageRequest);
        Assert.False(pod.IsCritical);
    }

    [Theory]
    [InlineData("file", true)]
    [InlineData("http", true)]
    [InlineData("api", false)]
    public void A_pod_from_a_file_or_url_is_static(string source, bool isStatic)
    {
        var pod = Pods.With(Pods.C("a")).Pod;
        pod.Metadata.Annotations = new Dictionary<string, string> { ["kubernetes.io/config.source"] = source };
        Assert.Equal(isStatic, PodUsage.From(pod).IsStatic);
        Assert.Equal(isStatic, PodUsage.From(pod).IsCritical);
    }

    [Fact]
    public void A_mirror_pod_is_static()
    {
        var pod = Pods.With(Pods.C("a")).Pod;
        pod.Metadata.Annotations = new Dictionary<string, string> { ["kubernetes.io/config.mirror"] = "abc" };
        Assert.True(CriticalPod.Is(pod));
    }

    [Fact]
    public void Disk_usage_sums_the_containers()
    {
        var pod = new PodUsage("u", "default", "p")
        {
            Containers = [new ContainerUsage("a") { Rootfs = new FsUsage(10, 1), Logs = new FsUsage(5, 1) }, new ContainerUsage("b") { Rootfs = new FsUsage(20, 2) }],
        };
        Assert.Equal(new FsUsage(30, 3), pod.Rootfs);
        Assert.Equal(new FsUsage(5, 1), pod.Logs);
    }
}
