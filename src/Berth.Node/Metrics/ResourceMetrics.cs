using Berth.Node.Stats;
using Prometheus;

namespace Berth.Node.Metrics;

/// <summary>
/// /metrics/resource: the kubelet's resource metrics (pkg/kubelet/metrics/collectors/
/// resource_metrics.go), the small set metrics-server scrapes. Names, help and labels follow
/// the kubelet; a sample whose source value is unknown is left out, as there.
/// </summary>
public static class ResourceMetrics
{
    /// <summary>A registry for one scrape; a null snapshot (collection failed) gives only
    /// resource_scrape_error 1.</summary>
    public static CollectorRegistry Collect(StatsSnapshot? snapshot)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var scrapeError = factory.CreateGauge("resource_scrape_error", "1 if there was an error while getting container metrics, 0 otherwise");
        scrapeError.Set(snapshot is null ? 1 : 0);
        if (snapshot is null)
        {
            return registry;
        }

        string[] containerLabels = ["container", "pod", "namespace"];
        string[] podLabels = ["pod", "namespace"];
        var nodeCpu = factory.CreateCounter("node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds");
        var nodeMemory = factory.CreateGauge("node_memory_working_set_bytes", "Current working set of the node in bytes");
        var containerStart = factory.CreateGauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds", containerLabels);
        var containerCpu = factory.CreateCounter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", containerLabels);
        var containerMemory = factory.CreateGauge("container_memory_working_set_bytes", "Current working set of the container in bytes", containerLabels);
        var podCpu = factory.CreateCounter("pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", podLabels);
        var podMemory = factory.CreateGauge("pod_memory_working_set_bytes", "Current working set of the pod in bytes", podLabels);

        if (snapshot.Node.Usage?.CpuNanoseconds is { } nodeNs)
        {
            nodeCpu.IncTo(nodeNs / 1e9);
        }

        if (snapshot.Node.Usage?.MemoryWorkingSet is { } nodeWs)
        {
            nodeMemory.Set(nodeWs);
        }

        foreach (var pod in snapshot.Pods)
        {
            foreach (var container in pod.Containers)
            {
                string[] labels = [container.Name, pod.Name, pod.Namespace];
                if (container.StartTime.ToUnixTimeSeconds() > 0)
                {
                    containerStart.WithLabels(labels).Set(container.StartTime.ToUnixTimeMilliseconds() / 1000.0);
                }

                if (container.Usage?.CpuNanoseconds is { } ns)
                {
                    containerCpu.WithLabels(labels).IncTo(ns / 1e9);
                }

                if (container.Usage?.MemoryWorkingSet is { } ws)
                {
                    containerMemory.WithLabels(labels).Set(ws);
                }
            }

            if (pod.Usage?.CpuNanoseconds is { } podNs)
            {
                podCpu.WithLabels(pod.Name, pod.Namespace).IncTo(podNs / 1e9);
            }

            if (pod.Usage?.MemoryWorkingSet is { } podWs)
            {
                podMemory.WithLabels(pod.Name, pod.Namespace).Set(podWs);
            }
        }

        return registry;
    }

    public static async Task WriteAsync(StatsSnapshot? snapshot, Stream output, CancellationToken ct) =>
        await Collect(snapshot).CollectAndExportAsTextAsync(output, ct).ConfigureAwait(false);
}
