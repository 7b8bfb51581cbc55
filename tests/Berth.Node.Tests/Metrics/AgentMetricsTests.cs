using Berth.Node.Metrics;

namespace Berth.Node.Tests.Metrics;

public class AgentMetricsTests
{
    [Fact]
    public async Task Records_pod_starts_cri_requests_pulls_and_evictions_under_their_names()
    {
        var metrics = new AgentMetrics();

        metrics.PodStarted(TimeSpan.FromSeconds(2.5));
        metrics.PodStarted(TimeSpan.FromSeconds(40));
        metrics.CriRequest("RunPodSandbox", TimeSpan.FromMilliseconds(30));
        metrics.ImagePulled("success");
        metrics.ImagePulled("success");
        metrics.ImagePulled("not_found");
        metrics.Evicted("memory.available");

        var text = await PrometheusText.ExportAsync(metrics.Registry);

        Assert.Equal("histogram", text.Type["kubelet_pod_start_duration_seconds"]);
        Assert.Equal(2, text.Value("kubelet_pod_start_duration_seconds_count"));
        Assert.Equal(42.5, text.Value("kubelet_pod_start_duration_seconds_sum"));
        Assert.Equal(1, text.Value("kubelet_pod_start_duration_seconds_bucket", "le=3"));
        Assert.Equal(2, text.Value("kubelet_pod_start_duration_seconds_bucket", "le=45"));
        Assert.Equal(AgentMetrics.PodStartBuckets.Length + 1, text.All("kubelet_pod_start_duration_seconds_bucket").Count());
        Assert.Equal(1, text.Value("berth_cri_request_duration_seconds_count", "method=RunPodSandbox"));
        Assert.Equal(2, text.Value("berth_image_pulls_total", "result=success"));
        Assert.Equal(1, text.Value("berth_image_pulls_total", "result=not_found"));
        Assert.Equal("counter", text.Type["kubelet_evictions"]);
        Assert.Equal(1, text.Value("kubelet_evictions", "eviction_signal=memory.available"));
    }

    [Fact]
    public async Task Two_agents_do_not_share_series()
    {
        var first = new AgentMetrics();
        var second = new AgentMetrics();

        first.Evicted("nodefs.available");

        var text = await PrometheusText.ExportAsync(second.Registry);
        Assert.Empty(text.All("kubelet_evictions"));
    }
}
