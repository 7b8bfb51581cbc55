using Berth.Cri;
using Berth.Node.Stats;
using V1 = Berth.Cri.V1;

namespace Berth.Node.Metrics;

/// <summary>
/// CRI's ListMetricDescriptors and ListPodSandboxMetrics from the housekeeping's last pass: the
/// same families, help, labels and values as /metrics/cadvisor (<see cref="CadvisorSeries"/>),
/// so a kubelet that takes its cAdvisor metrics from the runtime (the CRI stats KEP) shows what
/// Berth's own endpoint shows. A pod's own series go in the sandbox's metrics, each container's
/// in its container metrics; the node's root and system cgroups are not pods and stay out.
/// </summary>
public sealed class CriSandboxMetrics(IStatsProvider stats) : IPodSandboxMetricsSource
{
    private static readonly IReadOnlyList<V1.MetricDescriptor> Catalog = [.. CadvisorCatalog.All.Select(f => new V1.MetricDescriptor
    {
        Name = f.Name,
        Help = f.Help,
        LabelKeys = { f.LabelKeys },
    })];

    public IReadOnlyList<V1.MetricDescriptor> Descriptors() => Catalog;

    public IReadOnlyList<V1.PodSandboxMetrics> Current() => stats.Latest is { } snapshot ? From(snapshot) : [];

    /// <summary>The snapshot's pods that have a sandbox, in CRI's messages.</summary>
    public static IReadOnlyList<V1.PodSandboxMetrics> From(StatsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);

        // The values were read at the pass, not at the call: a timestamp tells the kubelet so.
        var timestamp = (snapshot.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        var result = new List<V1.PodSandboxMetrics>();
        foreach (var pod in snapshot.Pods.Where(p => p.SandboxId.Length > 0))
        {
            var sandbox = new V1.PodSandboxMetrics { PodSandboxId = pod.SandboxId };
            CadvisorSeries.Pod(new Sink(sandbox.Metrics, timestamp), pod);
            foreach (var container in pod.Containers)
            {
                var metrics = new V1.ContainerMetrics { ContainerId = container.Id };
                CadvisorSeries.Container(new Sink(metrics.Metrics, timestamp), pod, container);
                sandbox.ContainerMetrics.Add(metrics);
            }

            result.Add(sandbox);
        }

        return result;
    }

    /// <summary>
    /// CRI carries a value as uint64 and the kubelet's CRI collector exports it as it comes
    /// (float64 of the integer). CRI-O's stats server divides its nanosecond counters by
    /// time.Second for the *_seconds_total families, so whole seconds it is; negative values
    /// (none of the families has any) would floor at 0.
    /// </summary>
    private sealed class Sink(ICollection<V1.Metric> metrics, long timestamp) : ICadvisorSink
    {
        public void Add(CadvisorFamily family, string[] labelValues, double value) => metrics.Add(new V1.Metric
        {
            Name = family.Name,
            Timestamp = timestamp,
            MetricType = family.Type == CadvisorMetricType.Counter ? V1.MetricType.Counter : V1.MetricType.Gauge,
            LabelValues = { labelValues },
            Value = new V1.UInt64Value { Value = value > 0 ? (ulong)Math.Floor(value) : 0 },
        });
    }
}
