using Berth.Cri.V1;
using Berth.Node.Metrics;
using Berth.Node.Stats;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Metrics;

public class CriSandboxMetricsTests
{
    private const string SandboxId = "5a4db0c0000000000000000000000000000000000000000000000000000000aa";

    private static StatsSnapshot WithSandbox()
    {
        var snapshot = Build();
        return snapshot with { Pods = [snapshot.Pods[0] with { SandboxId = SandboxId }] };
    }

    private static Task<PrometheusText> Cadvisor(StatsSnapshot snapshot) => PrometheusText.ExportAsync(CadvisorMetrics.Collect(snapshot));

    private static IEnumerable<Metric> AllMetrics(PodSandboxMetrics pod) => pod.Metrics.Concat(pod.ContainerMetrics.SelectMany(c => c.Metrics));

    [Fact]
    public async Task Descriptors_are_the_cadvisor_endpoints_families_with_the_same_help_and_labels()
    {
        var descriptors = new CriSandboxMetrics(new FixedStats(null)).Descriptors().ToDictionary(d => d.Name);
        var text = await Cadvisor(WithSandbox());

        Assert.Contains("container_pressure_cpu_waiting_seconds_total", descriptors.Keys);
        Assert.Contains("container_memory_working_set_bytes", descriptors.Keys);
        Assert.Subset(descriptors.Keys.ToHashSet(), text.Type.Keys.ToHashSet());
        foreach (var (name, help) in text.Help)
        {
            Assert.Equal(help, descriptors[name].Help);
        }

        foreach (var sample in text.Samples)
        {
            Assert.Equal(sample.Labels.Keys.Order(StringComparer.Ordinal), descriptors[sample.Name].LabelKeys.Order(StringComparer.Ordinal));
        }

        Assert.Equal(["container", "id", "image", "name", "namespace", "pod", "failure_type", "scope"], descriptors["container_memory_failures_total"].LabelKeys);
    }

    [Fact]
    public void The_sandbox_carries_its_pods_series_and_each_container_its_own()
    {
        var pod = Assert.Single(CriSandboxMetrics.From(WithSandbox()));

        Assert.Equal(SandboxId, pod.PodSandboxId);
        var workingSet = Assert.Single(pod.Metrics, m => m.Name == "container_memory_working_set_bytes");
        Assert.Equal(["", PodCgroup, "", "", "shop", "web"], workingSet.LabelValues);
        Assert.Equal(6_000_000UL, workingSet.Value.Value);
        Assert.Equal(MetricType.Gauge, workingSet.MetricType);
        Assert.Equal(Now.ToUnixTimeMilliseconds() * 1_000_000, workingSet.Timestamp);

        var container = Assert.Single(pod.ContainerMetrics);
        Assert.Equal(ContainerId, container.ContainerId);
        var cpu = Assert.Single(container.Metrics, m => m.Name == "container_cpu_usage_seconds_total");
        Assert.Equal(["nginx", ContainerCgroup, "docker.io/library/nginx:1.27", ContainerId, "shop", "web", "total"], cpu.LabelValues);
        Assert.Equal(MetricType.Counter, cpu.MetricType);
        Assert.Equal(3UL, cpu.Value.Value);
    }

    [Fact]
    public void Seconds_are_whole_seconds_as_cri_o_sends_them_and_pressure_follows_the_kernel()
    {
        var container = Assert.Single(Assert.Single(CriSandboxMetrics.From(WithSandbox())).ContainerMetrics);
        ulong Value(string name) => Assert.Single(container.Metrics, m => m.Name == name).Value.Value;

        Assert.Equal(0UL, Value("container_cpu_system_seconds_total")); // 0.5 s
        Assert.Equal(1UL, Value("container_pressure_cpu_waiting_seconds_total")); // 1.5 s of "some"
        Assert.Equal(0UL, Value("container_pressure_cpu_stalled_seconds_total")); // 0.25 s of "full"
        Assert.Equal(3UL, Value("container_pressure_io_waiting_seconds_total"));
        Assert.DoesNotContain(container.Metrics, m => m.Name == "container_pressure_io_stalled_seconds_total");
        Assert.Equal((ulong)ContainerStart.ToUnixTimeSeconds(), Value("container_start_time_seconds"));
    }

    [Fact]
    public async Task Every_value_is_the_cadvisor_endpoints_sample_under_the_same_labels()
    {
        var snapshot = WithSandbox();
        var source = new CriSandboxMetrics(new FixedStats(snapshot));
        var keys = source.Descriptors().ToDictionary(d => d.Name, d => d.LabelKeys);
        var text = await Cadvisor(snapshot);
        var podSamples = text.Samples.Where(s => s["pod"] == "web").ToList();

        var metrics = AllMetrics(Assert.Single(source.Current())).ToList();

        Assert.Equal(podSamples.Count, metrics.Count);
        foreach (var metric in metrics)
        {
            Assert.Equal(keys[metric.Name].Count, metric.LabelValues.Count); // the kubelet rejects a mismatch
            var labels = keys[metric.Name].Zip(metric.LabelValues, (k, v) => $"{k}={v}").ToArray();
            Assert.Equal((ulong)Math.Floor(text.Value(metric.Name, labels)), metric.Value.Value);
        }
    }

    [Fact]
    public void Pods_without_a_sandbox_and_the_nodes_own_cgroups_stay_out()
    {
        var snapshot = Build(); // the pod's SandboxId is blank

        Assert.Empty(CriSandboxMetrics.From(snapshot));
        Assert.Empty(new CriSandboxMetrics(new FixedStats(null)).Current());
        Assert.DoesNotContain(AllMetrics(Assert.Single(CriSandboxMetrics.From(WithSandbox()))), m => m.LabelValues[1] == "/" || m.LabelValues[1].StartsWith("/system.slice", StringComparison.Ordinal));
    }

    private sealed class FixedStats(StatsSnapshot? latest) : IStatsProvider
    {
        public StatsSnapshot? Latest => latest;

        public StatsSnapshot? Previous => null;

        public Task<StatsSnapshot> CollectAsync(CancellationToken ct) => Task.FromResult(latest ?? throw new InvalidOperationException("no pass"));
    }
}
