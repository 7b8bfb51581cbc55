using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Linux.Cgroups;
using Berth.Runtime.Pods;
using Berth.Runtime.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Pods;

/// <summary>What the standalone door writes to the QoS, pod and container cgroups under Memory
/// QoS, what it refuses on cgroup v1, and the pressure inspect shows.</summary>
public sealed class PodCgroupValuesTests : IDisposable
{
    private const long Mi = 1 << 20;
    private readonly List<FakeNode> nodes = [];

    public void Dispose() => nodes.ForEach(n => n.Dispose());

    [Fact]
    public async Task Memory_qos_protects_requests_on_qos_pod_and_container_cgroups_and_lets_go_when_pods_leave()
    {
        var (node, pods) = Node(2, o => o with { MemoryQos = new MemoryQosOptions(true, 0.9, MemoryReservationPolicy.TieredReservation) });

        var guaranteed = await PlayAsync(pods, Pod("g", "{ limits: { cpu: 100m, memory: 64Mi } }"));
        var burstable = await PlayAsync(pods, Pod("b", "{ requests: { memory: 32Mi }, limits: { memory: 96Mi } }"));

        Assert.Equal(96 * Mi, node.Cgroups.Read("/kubepods").MemoryMin);
        Assert.Equal(32 * Mi, node.Cgroups.Read("/kubepods/burstable").MemoryLow);
        Assert.Equal(64 * Mi, node.Cgroups.Read(guaranteed.Plan.CgroupParent).MemoryMin);
        Assert.Equal(32 * Mi, node.Cgroups.Read(burstable.Plan.CgroupParent).MemoryLow);
        var unified = node.Oci.All.Select(c => c.Spec?.Linux?.Resources?.Unified).OfType<IReadOnlyDictionary<string, string>>().ToList();
        Assert.Contains(unified, u => u.GetValueOrDefault("memory.min") == (64 * Mi).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(unified, u => u.GetValueOrDefault("memory.low") == (32 * Mi).ToString(System.Globalization.CultureInfo.InvariantCulture)
            && u.GetValueOrDefault("memory.high") == ((32 * Mi + (long)(0.9 * 64 * Mi)) / Environment.SystemPageSize * Environment.SystemPageSize).ToString(System.Globalization.CultureInfo.InvariantCulture));

        await pods.DownAsync(["b"], 0, CancellationToken.None);

        Assert.Equal(64 * Mi, node.Cgroups.Read("/kubepods").MemoryMin);
        Assert.Equal(0, node.Cgroups.Read("/kubepods/burstable").MemoryLow);
    }

    [Fact]
    public async Task Without_the_gate_no_memory_qos_is_written()
    {
        var (node, pods) = Node(2);

        var pod = await PlayAsync(pods, Pod("b", "{ requests: { memory: 32Mi }, limits: { memory: 96Mi } }"));

        Assert.Null(node.Cgroups.Read("/kubepods").MemoryMin);
        Assert.Null(node.Cgroups.Read(pod.Plan.CgroupParent).MemoryLow);
        Assert.All(node.Oci.All, c => Assert.Null(c.Spec?.Linux?.Resources?.Unified));
    }

    [Fact]
    public async Task A_cgroup_v1_node_ignores_the_gate_and_refuses_pod_level_resources_before_creating_anything()
    {
        var (node, pods) = Node(1, o => o with { MemoryQos = new MemoryQosOptions(true, 0.9, MemoryReservationPolicy.TieredReservation) });

        var error = await Assert.ThrowsAsync<ValidationException>(() => PlayAsync(pods, Pod("p", "{}", "  resources: { limits: { memory: 64Mi } }")));

        Assert.Contains(error.Errors, e => e.Path == "spec.resources" && e.Message.Contains("cgroup v2", StringComparison.Ordinal));
        Assert.Empty(node.Oci.All);
        Assert.Null(pods.Find("p"));
        Assert.Null(pods.Node.MemoryQos);
    }

    [Theory]
    [InlineData(CpuWeightFormula.Linear, 39)]
    [InlineData(CpuWeightFormula.Quadratic, 100)]
    public async Task Inspect_shows_cpu_weight_in_the_formula_of_the_cgroup_driver(CpuWeightFormula formula, long weight)
    {
        var (_, pods) = Node(2, formula: formula);

        await PlayAsync(pods, Pod("w", "{ limits: { cpu: 1, memory: 64Mi } }"));

        var doc = await pods.InspectAsync("w", CancellationToken.None);
        Assert.Equal(1024, (long)doc["cpuShares"]!);
        Assert.Equal(weight, (long)doc["cpuWeight"]!);
    }

    [Fact]
    public async Task Inspect_shows_the_pressure_of_the_pod_and_its_running_containers()
    {
        var (node, pods) = Node(2);
        var pod = await PlayAsync(pods, Pod("p", "{}"));
        var line = new PressureLine(1.5, 0.5, 0.1, 4242);
        node.Cgroups.PressureByPath[pod.Plan.CgroupParent] = new PressureStats(new ResourcePressure(line, line), null, null);
        var container = (await pods.InspectAsync("p", CancellationToken.None))["containers"]![0]!;
        node.Cgroups.PressureByPath[(string)container["cgroupPath"]!] = new PressureStats(null, new ResourcePressure(line, null), null);

        var doc = await pods.InspectAsync("p", CancellationToken.None);

        Assert.Equal(4242, (long)doc["pressure"]!["cpu"]!["full"]!["totalMicroseconds"]!);
        Assert.Equal(1.5, (double)doc["containers"]![0]!["pressure"]!["memory"]!["some"]!["avg10"]!);
    }

    private (FakeNode Node, PodController Pods) Node(int cgroupVersion, Func<RuntimeOptions, RuntimeOptions>? configure = null, CpuWeightFormula formula = CpuWeightFormula.Linear)
    {
        var node = new FakeNode(cgroupVersion, configure);
        node.Cgroups.WeightFormula = formula;
        nodes.Add(node);
        node.Images.Add("busybox", new Images.ImageConfig([], ["sh"], [], "", "", []));
        var pods = new PodController(node.Runtime, node.Cgroups, node.Images, new LifecycleOptions { SyncInterval = TimeSpan.FromMilliseconds(20) }, NullLoggerFactory.Instance);
        pods.EnsureQosCgroups();
        return (node, pods);
    }

    private static string Pod(string name, string resources, string specExtra = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
        {{specExtra}}
          containers: [{ name: c, image: busybox, command: ["sleep", "1000"], resources: {{resources}} }]
        """;

    private static async Task<PodRecord> PlayAsync(PodController pods, string yaml)
    {
        var set = ManifestReader.ReadText(yaml, "test.yaml");
        await pods.PlayAsync(set, TimeSpan.FromSeconds(10), CancellationToken.None);
        return pods.Find(set.Pods.Single().Pod.Metadata.Name)!;
    }
}
