using Berth.Linux;
using Berth.Linux.Cgroups;
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
        Usage(families, root, node.Usage, node.Pressure);
        Network(families, root, node.Network);
        foreach (var system in node.SystemContainers)
        {
            string[] labels = ["", system.CgroupPath, "", "", "", ""];
            Usage(families, labels, system.Usage, system.Pressure);
            StartTime(families, labels, system.StartTime);
        }

        foreach (var pod in snapshot.Pods)
        {
            string[] podLabels = ["", pod.CgroupPath, "", "", pod.Namespace, pod.Name];
            Usage(families, podLabels, pod.Usage, pod.Pressure);
            Network(families, podLabels, pod.Network);
            StartTime(families, podLabels, pod.StartTime);
            foreach (var container in pod.Containers)
            {
                // "name" is the runtime's name for the cgroup's container: with containerd and
                // CRI-O cAdvisor shows the container id there.
                string[] labels = [container.Name, container.CgroupPath, container.Image, container.Id, pod.Namespace, pod.Name];
                Usage(families, labels, container.Usage, container.Pressure);
                Spec(families, labels, container.Spec);
                StartTime(families, labels, container.StartTime);
                if (container.WritableLayer?.UsedBytes is { } used)
                {
                    families.FsUsage.WithLabels([.. labels, container.WritableLayer.Device ?? ""]).Set(used);
                }
            }
        }

        return registry;
    }

    /// <summary>Renders the snapshot in the Prometheus text format (version 0.0.4).</summary>
    public static async Task WriteAsync(StatsSnapshot snapshot, Stream output, CancellationToken ct) =>
        await Collect(snapshot).CollectAndExportAsTextAsync(output, ct).ConfigureAwait(false);

    private static void Usage(CadvisorFamilies f, string[] labels, CgroupUsage? usage, PressureStats? pressure)
    {
        if (usage is not null)
        {
            Count(f.CpuUsage, [.. labels, "total"], Seconds(usage.CpuNanoseconds));
            Count(f.CpuUser, labels, Seconds(usage.CpuUserNanoseconds));
            Count(f.CpuSystem, labels, Seconds(usage.CpuSystemNanoseconds));
            Count(f.CfsPeriods, labels, usage.CpuPeriods);
            Count(f.CfsThrottledPeriods, labels, usage.CpuThrottledPeriods);
            Count(f.CfsThrottledSeconds, labels, Seconds(usage.CpuThrottledNanoseconds));
            Set(f.MemoryUsage, labels, usage.MemoryUsage);
            Set(f.MemoryWorkingSet, labels, usage.MemoryWorkingSet);
            Set(f.MemoryRss, labels, usage.MemoryRss);
            Set(f.MemoryCache, labels, usage.MemoryCache);
            Set(f.MemorySwap, labels, usage.MemorySwap);
            Count(f.MemoryFailures, [.. labels, "pgfault", "container"], usage.ContainerPageFaults);
            Count(f.MemoryFailures, [.. labels, "pgmajfault", "container"], usage.ContainerMajorPageFaults);
            Count(f.MemoryFailures, [.. labels, "pgfault", "hierarchy"], usage.PageFaults);
            Count(f.MemoryFailures, [.. labels, "pgmajfault", "hierarchy"], usage.MajorPageFaults);
            Count(f.OomEvents, labels, usage.OomKills);
            Set(f.Processes, labels, usage.ProcessCount);
            Set(f.Threads, labels, usage.Processes);
        }

        Pressure(f, labels, "cpu", pressure?.Cpu);
        Pressure(f, labels, "memory", pressure?.Memory);
        Pressure(f, labels, "io", pressure?.Io);
    }

    /// <summary>The kernel counts stall time in microseconds; cAdvisor exports seconds.</summary>
    private static void Pressure(CadvisorFamilies f, string[] labels, string resource, ResourcePressure? pressure)
    {
        if (pressure is null)
        {
            return;
        }

        f.PressureWaiting[resource].WithLabels(labels).IncTo(pressure.Some.TotalMicroseconds / 1e6);
        if (pressure.Full is { } full)
        {
            f.PressureStalled[resource].WithLabels(labels).IncTo(full.TotalMicroseconds / 1e6);
        }
    }

    /// <summary>As cAdvisor: shares always, quota and period only when set, and a memory limit
    /// of 0 for "unlimited".</summary>
    private static void Spec(CadvisorFamilies f, string[] labels, ContainerLimits spec)
    {
        Set(f.SpecCpuShares, labels, spec.CpuShares);
        Set(f.SpecCpuQuota, labels, spec.CpuQuota is > 0 ? spec.CpuQuota : null);
        Set(f.SpecCpuPeriod, labels, spec.CpuPeriod is > 0 ? spec.CpuPeriod : null);
        f.SpecMemoryLimit.WithLabels(labels).Set(spec.MemoryLimit is > 0 and var limit ? limit : 0);
    }

    private static void Network(CadvisorFamilies f, string[] labels, IReadOnlyList<InterfaceStats> interfaces)
    {
        foreach (var i in interfaces)
        {
            string[] l = [.. labels, i.Name];
            f.NetworkReceiveBytes.WithLabels(l).IncTo(i.RxBytes);
            f.NetworkReceivePackets.WithLabels(l).IncTo(i.RxPackets);
            f.NetworkReceiveErrors.WithLabels(l).IncTo(i.RxErrors);
            f.NetworkReceiveDropped.WithLabels(l).IncTo(i.RxDropped);
            f.NetworkTransmitBytes.WithLabels(l).IncTo(i.TxBytes);
            f.NetworkTransmitPackets.WithLabels(l).IncTo(i.TxPackets);
            f.NetworkTransmitErrors.WithLabels(l).IncTo(i.TxErrors);
            f.NetworkTransmitDropped.WithLabels(l).IncTo(i.TxDropped);
        }
    }

    private static void StartTime(CadvisorFamilies f, string[] labels, DateTimeOffset start)
    {
        if (start.ToUnixTimeSeconds() > 0)
        {
            f.StartTime.WithLabels(labels).Set(start.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    private static double? Seconds(ulong? nanoseconds) => nanoseconds / 1e9;

    private static void Count(Counter counter, string[] labels, double? value)
    {
        if (value is { } v)
        {
            counter.WithLabels(labels).IncTo(v);
        }
    }

    private static void Count(Counter counter, string[] labels, ulong? value) => Count(counter, labels, (double?)value);

    private static void Set(Gauge gauge, string[] labels, double? value)
    {
        if (value is { } v)
        {
            gauge.WithLabels(labels).Set(v);
        }
    }

    private static void Set(Gauge gauge, string[] labels, ulong? value) => Set(gauge, labels, (double?)value);

    private static void Set(Gauge gauge, string[] labels, long? value) => Set(gauge, labels, (double?)value);
}
