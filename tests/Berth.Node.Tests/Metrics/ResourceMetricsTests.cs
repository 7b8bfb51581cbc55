using Berth.Node.Metrics;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Metrics;

public class ResourceMetricsTests
{
    [Fact]
    public async Task Renders_the_kubelet_resource_metrics_with_their_labels()
    {
        var text = await PrometheusText.ExportAsync(ResourceMetrics.Collect(Build()));

        Assert.Equal(0, text.Value("resource_scrape_error"));
        Assert.Equal(90, text.Value("node_cpu_usage_seconds_total"));
        Assert.Equal(2_000_000_000, text.Value("node_memory_working_set_bytes"));
        var cpu = text.Single("container_cpu_usage_seconds_total");
        Assert.Equal(["container", "namespace", "pod"], cpu.Labels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("nginx", "web", "shop", 3.0), (cpu["container"], cpu["pod"], cpu["namespace"], cpu.Value));
        Assert.Equal(5_000_000, text.Value("container_memory_working_set_bytes", "container=nginx"));
        Assert.Equal(ContainerStart.ToUnixTimeMilliseconds() / 1000.0, text.Value("container_start_time_seconds", "container=nginx"));
        var pod = text.Single("pod_cpu_usage_seconds_total");
        Assert.Equal(["namespace", "pod"], pod.Labels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4, pod.Value);
        Assert.Equal(6_000_000, text.Value("pod_memory_working_set_bytes", "pod=web", "namespace=shop"));
        Assert.Equal("counter", text.Type["pod_cpu_usage_seconds_total"]);
        Assert.Equal("gauge", text.Type["container_memory_working_set_bytes"]);
    }

    [Fact]
    public async Task A_failed_collection_reports_only_the_scrape_error()
    {
        var text = await PrometheusText.ExportAsync(ResourceMetrics.Collect(null));

        Assert.Equal(1, Assert.Single(text.Samples).Value);
        Assert.Equal("resource_scrape_error", text.Samples[0].Name);
    }

    [Fact]
    public async Task Unknown_values_are_left_out_rather_than_zero()
    {
        var snapshot = Build();
        var pod = snapshot.Pods[0] with { Usage = null };
        snapshot = snapshot with { Pods = [pod] };

        var text = await PrometheusText.ExportAsync(ResourceMetrics.Collect(snapshot));

        Assert.Empty(text.All("pod_cpu_usage_seconds_total"));
        Assert.Empty(text.All("pod_memory_working_set_bytes"));
        Assert.Single(text.All("container_cpu_usage_seconds_total"));
    }
}
