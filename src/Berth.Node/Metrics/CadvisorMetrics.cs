using Berth.Node.Stats;
using Prometheus;

namespace Berth.Node.Metrics;

/// <summary>
/// /metrics/cadvisor: a snapshot in cAdvisor's names and labels, so dashboards built on the
/// kubelet's embedded cAdvisor work unchanged. The node's root cgroup has id="/" and blank
/// names; a pod's cgroup has container="" (as the kubelet's cAdvisor emits it); a container
/// has its name, image and id. A fresh registry per snapshot drops series of pods that left.
/// </summary>
public static class CadvisorMetrics
{
    /// <summary>A registry holding exactly the snapshot's series.</summary>
    public static CollectorRegistry Collect(StatsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var families = new CadvisorFamilies(Prometheus.Metrics.WithCustomRegistry(registry));
        var node = snapshot.Node;

        string[] root = ["", "/", "", "", "", ""];
        CadvisorSeries.Usage(families, root, node.Usage, node.Pressure);
        CadvisorSeries.Network(families, root, node.Network);
        foreach (var system in node.SystemContainers)
        {
            string[] labels = ["", system.CgroupPath, "", "", "", ""];
            CadvisorSeries.Usage(families, labels, system.Usage, system.Pressure);
            CadvisorSeries.StartTime(families, labels, system.StartTime);
        }

        foreach (var pod in snapshot.Pods)
        {
            CadvisorSeries.Pod(families, pod);
            foreach (var container in pod.Containers)
            {
                CadvisorSeries.Container(families, pod, container);
            }
        }

        return registry;
    }

    /// <summary>Renders the snapshot in the Prometheus text format (version 0.0.4).</summary>
    public static async Task WriteAsync(StatsSnapshot snapshot, Stream output, CancellationToken ct) =>
        await Collect(snapshot).CollectAndExportAsTextAsync(output, ct).ConfigureAwait(false);
}
