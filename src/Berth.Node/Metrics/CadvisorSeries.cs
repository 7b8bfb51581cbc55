using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Node.Stats;

namespace Berth.Node.Metrics;

/// <summary>
/// The cAdvisor series of one cgroup of a snapshot, written to a sink, so /metrics/cadvisor and
/// CRI's ListPodSandboxMetrics carry the same values under the same labels. A pod's cgroup has
/// container="" (as the kubelet's cAdvisor emits it); a container has its name, image and id.
/// Values are in the family's unit (seconds, bytes, counts); what the kernel does not report is
/// left out, not written as zero.
/// </summary>
internal static class CadvisorSeries
{
    /// <summary>The base label values of a pod's cgroup.</summary>
    public static string[] PodLabels(PodSample pod) => ["", pod.CgroupPath, "", "", pod.Namespace, pod.Name];

    /// <summary>The base label values of a container: "name" is the runtime's name for the
    /// cgroup's container, with containerd and CRI-O cAdvisor shows the container id there.</summary>
    public static string[] ContainerLabels(PodSample pod, ContainerSample container) =>
        [container.Name, container.CgroupPath, container.Image, container.Id, pod.Namespace, pod.Name];

    /// <summary>A pod's cgroup parent and its network namespace.</summary>
    public static void Pod(ICadvisorSink sink, PodSample pod)
    {
        var labels = PodLabels(pod);
        Usage(sink, labels, pod.Usage, pod.Pressure);
        Network(sink, labels, pod.Network);
        StartTime(sink, labels, pod.StartTime);
    }

    /// <summary>One container of a pod: its cgroup, configured limits and writable layer.</summary>
    public static void Container(ICadvisorSink sink, PodSample pod, ContainerSample container)
    {
        var labels = ContainerLabels(pod, container);
        Usage(sink, labels, container.Usage, container.Pressure);
        Spec(sink, labels, container.Spec);
        StartTime(sink, labels, container.StartTime);
        if (container.WritableLayer?.UsedBytes is { } used)
        {
            sink.Add(CadvisorCatalog.FsUsage, [.. labels, container.WritableLayer.Device ?? ""], used);
        }
    }

    public static void Usage(ICadvisorSink sink, string[] labels, CgroupUsage? usage, PressureStats? pressure)
    {
        if (usage is not null)
        {
            Add(sink, CadvisorCatalog.CpuUsage, [.. labels, "total"], Seconds(usage.CpuNanoseconds));
            Add(sink, CadvisorCatalog.CpuUser, labels, Seconds(usage.CpuUserNanoseconds));
            Add(sink, CadvisorCatalog.CpuSystem, labels, Seconds(usage.CpuSystemNanoseconds));
            Add(sink, CadvisorCatalog.CfsPeriods, labels, usage.CpuPeriods);
            Add(sink, CadvisorCatalog.CfsThrottledPeriods, labels, usage.CpuThrottledPeriods);
            Add(sink, CadvisorCatalog.CfsThrottledSeconds, labels, Seconds(usage.CpuThrottledNanoseconds));
            Add(sink, CadvisorCatalog.MemoryUsage, labels, usage.MemoryUsage);
            Add(sink, CadvisorCatalog.MemoryWorkingSet, labels, usage.MemoryWorkingSet);
            Add(sink, CadvisorCatalog.MemoryRss, labels, usage.MemoryRss);
            Add(sink, CadvisorCatalog.MemoryCache, labels, usage.MemoryCache);
            Add(sink, CadvisorCatalog.MemorySwap, labels, usage.MemorySwap);
            Add(sink, CadvisorCatalog.MemoryFailures, [.. labels, "pgfault", "container"], usage.ContainerPageFaults);
            Add(sink, CadvisorCatalog.MemoryFailures, [.. labels, "pgmajfault", "container"], usage.ContainerMajorPageFaults);
            Add(sink, CadvisorCatalog.MemoryFailures, [.. labels, "pgfault", "hierarchy"], usage.PageFaults);
            Add(sink, CadvisorCatalog.MemoryFailures, [.. labels, "pgmajfault", "hierarchy"], usage.MajorPageFaults);
            Add(sink, CadvisorCatalog.OomEvents, labels, usage.OomKills);
            Add(sink, CadvisorCatalog.Processes, labels, usage.ProcessCount);
            Add(sink, CadvisorCatalog.Threads, labels, usage.Processes);
            Add(sink, CadvisorCatalog.FileDescriptors, labels, usage.FileDescriptors);
        }

        Pressure(sink, labels, "cpu", pressure?.Cpu);
        Pressure(sink, labels, "memory", pressure?.Memory);
        Pressure(sink, labels, "io", pressure?.Io);
    }

    public static void Network(ICadvisorSink sink, string[] labels, IReadOnlyList<InterfaceStats> interfaces)
    {
        foreach (var i in interfaces)
        {
            string[] l = [.. labels, i.Name];
            sink.Add(CadvisorCatalog.NetworkReceiveBytes, l, i.RxBytes);
            sink.Add(CadvisorCatalog.NetworkReceivePackets, l, i.RxPackets);
            sink.Add(CadvisorCatalog.NetworkReceiveErrors, l, i.RxErrors);
            sink.Add(CadvisorCatalog.NetworkReceiveDropped, l, i.RxDropped);
            sink.Add(CadvisorCatalog.NetworkTransmitBytes, l, i.TxBytes);
            sink.Add(CadvisorCatalog.NetworkTransmitPackets, l, i.TxPackets);
            sink.Add(CadvisorCatalog.NetworkTransmitErrors, l, i.TxErrors);
            sink.Add(CadvisorCatalog.NetworkTransmitDropped, l, i.TxDropped);
        }
    }

    public static void StartTime(ICadvisorSink sink, string[] labels, DateTimeOffset start)
    {
        if (start.ToUnixTimeSeconds() > 0)
        {
            sink.Add(CadvisorCatalog.StartTime, labels, start.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    /// <summary>The kernel counts stall time in microseconds; cAdvisor exports seconds.</summary>
    private static void Pressure(ICadvisorSink sink, string[] labels, string resource, ResourcePressure? pressure)
    {
        if (pressure is null)
        {
            return;
        }

        sink.Add(CadvisorCatalog.PressureWaiting[resource], labels, pressure.Some.TotalMicroseconds / 1e6);
        if (pressure.Full is { } full)
        {
            sink.Add(CadvisorCatalog.PressureStalled[resource], labels, full.TotalMicroseconds / 1e6);
        }
    }

    /// <summary>As cAdvisor: shares always, quota and period only when set, and a memory limit
    /// of 0 for "unlimited".</summary>
    private static void Spec(ICadvisorSink sink, string[] labels, ContainerLimits spec)
    {
        Add(sink, CadvisorCatalog.SpecCpuShares, labels, spec.CpuShares);
        Add(sink, CadvisorCatalog.SpecCpuQuota, labels, spec.CpuQuota is > 0 ? spec.CpuQuota : null);
        Add(sink, CadvisorCatalog.SpecCpuPeriod, labels, spec.CpuPeriod is > 0 ? spec.CpuPeriod : null);
        sink.Add(CadvisorCatalog.SpecMemoryLimit, labels, spec.MemoryLimit is > 0 and var limit ? limit : 0);
    }

    private static double? Seconds(ulong? nanoseconds) => nanoseconds / 1e9;

    private static void Add(ICadvisorSink sink, CadvisorFamily family, string[] labels, double? value)
    {
        if (value is { } v)
        {
            sink.Add(family, labels, v);
        }
    }

    private static void Add(ICadvisorSink sink, CadvisorFamily family, string[] labels, ulong? value) => Add(sink, family, labels, (double?)value);

    private static void Add(ICadvisorSink sink, CadvisorFamily family, string[] labels, long? value) => Add(sink, family, labels, (double?)value);
}
