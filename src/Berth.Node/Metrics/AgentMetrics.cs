using Prometheus;

namespace Berth.Node.Metrics;

/// <summary>
/// The agent's own /metrics. Where the kubelet has a metric for the same thing it keeps the
/// kubelet's name, help and buckets (pkg/kubelet/metrics/metrics.go), so kubelet dashboards
/// read it; what only Berth measures is prefixed berth_. One instance per agent; the registry
/// is its own, so tests and a second agent in one process do not share series.
/// </summary>
public sealed class AgentMetrics
{
    /// <summary>The kubelet's podStartupDurationBuckets: hand-picked round numbers from half a
    /// second to an hour.</summary>
    public static readonly double[] PodStartBuckets =
        [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

    /// <summary>CRI calls range from sub-millisecond status reads to image pulls: the kubelet's
    /// runtime_operations_duration_seconds buckets, ExponentialBuckets(0.005, 2.5, 14).</summary>
    public static readonly double[] CriBuckets = Histogram.ExponentialBuckets(0.005, 2.5, 14);

    private readonly Histogram podStart;
    private readonly Histogram criRequests;
    private readonly Counter imagePulls;
    private readonly Counter evictions;

    public AgentMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        podStart = factory.CreateHistogram(
            "kubelet_pod_start_duration_seconds",
            "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run",
            new HistogramConfiguration { Buckets = PodStartBuckets });
        criRequests = factory.CreateHistogram(
            "berth_cri_request_duration_seconds",
            "Duration in seconds of CRI requests served by Berth, by gRPC method.",
            new HistogramConfiguration { Buckets = CriBuckets, LabelNames = ["method"] });
        imagePulls = factory.CreateCounter(
            "berth_image_pulls_total",
            "Image pulls by result: success, or the kind of failure.",
            new CounterConfiguration { LabelNames = ["result"] });
        evictions = factory.CreateCounter(
            "kubelet_evictions",
            "Cumulative number of pod evictions by eviction signal",
            new CounterConfiguration { LabelNames = ["eviction_signal"] });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>From the agent first seeing the pod to all its containers running.</summary>
    public void PodStarted(TimeSpan sinceFirstSeen) => podStart.Observe(sinceFirstSeen.TotalSeconds);

    /// <summary>One served CRI call, by its RPC name ("RunPodSandbox").</summary>
    public void CriRequest(string method, TimeSpan duration) => criRequests.WithLabels(method).Observe(duration.TotalSeconds);

    /// <summary>One finished pull; <paramref name="result"/> is "success" or a short failure
    /// kind ("not_found", "unauthorized", "error").</summary>
    public void ImagePulled(string result) => imagePulls.WithLabels(result).Inc();

    /// <summary>One pod evicted; the signal as the kubelet names it ("memory.available").</summary>
    public void Evicted(string evictionSignal) => evictions.WithLabels(evictionSignal).Inc();

    public async Task WriteAsync(Stream output, CancellationToken ct) =>
        await Registry.CollectAndExportAsTextAsync(output, ct).ConfigureAwait(false);
}
