using Berth.Linux;
using Berth.Linux.Cgroups;

namespace Berth.Node.Stats;

/// <summary>Turns a snapshot (and the rates from the pass before it) into the Summary API's
/// document. Pure: the same inputs give the same document.</summary>
public static class SummaryBuilder
{
    /// <summary>The interface the kubelet reports inline as the pod's and node's default
    /// (pkg/kubelet/stats, network.DefaultInterfaceName).</summary>
    public const string DefaultInterface = "eth0";

    public static Summary Build(StatsSnapshot snapshot, CpuRates rates)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(rates);
        var node = snapshot.Node;
        var now = snapshot.Timestamp;
        var nodeStats = new NodeStats(
            node.NodeName,
            node.StartTime,
            Cpu(node.Usage, node.Pressure, rates.Node, now),
            Memory(node.Usage, node.Pressure, node.MemoryCapacity, now),
            Network(node.Network, now),
            Fs(node.NodeFs),
            node.ImageFs is null ? null : new RuntimeStats(Fs(node.ImageFs)),
            node.MaxPid is null && node.ProcessCount is null ? null : new RlimitStats(now, node.MaxPid, node.ProcessCount),
            Io(node.Pressure, now),
            Swap(node.Usage, now),
            node.SystemContainers.Count == 0 ? null : [.. node.SystemContainers.Select(s => new ContainerStats(
                s.Name,
                s.StartTime,
                Cpu(s.Usage, s.Pressure, rates.SystemContainers.TryGetValue(s.Name, out var r) ? r : null, now),
                Memory(s.Usage, s.Pressure, null, now),
                null,
                null,
                Io(s.Pressure, now),
                Swap(s.Usage, now)))]);
        return new Summary(nodeStats, [.. snapshot.Pods.Select(p => Pod(p, rates, now))]);
    }

    private static PodStats Pod(PodSample pod, CpuRates rates, DateTimeOffset now) => new(
        new PodReference(pod.Name, pod.Namespace, pod.Uid),
        pod.StartTime,
        [.. pod.Containers.Select(c => Container(c, rates, now))],
        Cpu(pod.Usage, pod.Pressure, rates.Pods.TryGetValue(pod.Uid, out var rate) ? rate : null, now),
        Memory(pod.Usage, pod.Pressure, null, now),
        Network(pod.Network, now),
        pod.Volumes.Count == 0 ? null : [.. pod.Volumes.Select(Volume)],
        Fs(pod.EphemeralStorage),
        pod.Usage?.ProcessCount is { } count ? new ProcessStats(count) : null,
        Io(pod.Pressure, now),
        Swap(pod.Usage, now));

    private static ContainerStats Container(ContainerSample container, CpuRates rates, DateTimeOffset now) => new(
        container.Name,
        container.StartTime,
        Cpu(container.Usage, container.Pressure, rates.Containers.TryGetValue(container.Id, out var rate) ? rate : null, now),
        Memory(container.Usage, container.Pressure, null, now),
        Fs(container.WritableLayer),
        Fs(container.Logs),
        Io(container.Pressure, now),
        Swap(container.Usage, now));

    private static CpuStats? Cpu(CgroupUsage? usage, PressureStats? pressure, ulong? nanoCores, DateTimeOffset now) =>
        usage is null && pressure?.Cpu is null
            ? null
            : new CpuStats(usage?.Timestamp ?? now, nanoCores, usage?.CpuNanoseconds, Psi(pressure?.Cpu));

    /// <summary>availableBytes is limit − working set, floored at 0 (the kubelet's
    /// cadvisorInfoToMemoryStats); the node's limit is its capacity. Unlimited: omitted.</summary>
    private static MemoryStats? Memory(CgroupUsage? usage, PressureStats? pressure, ulong? capacity, DateTimeOffset now)
    {
        if (usage is null && pressure?.Memory is null)
        {
            return null;
        }

        var limit = capacity ?? usage?.MemoryLimit;
        ulong? available = limit is { } l && usage?.MemoryWorkingSet is { } ws ? (l > ws ? l - ws : 0) : null;
        return new MemoryStats(
            usage?.Timestamp ?? now,
            available,
            usage?.MemoryUsage,
            usage?.MemoryWorkingSet,
            usage?.MemoryRss,
            usage?.PageFaults,
            usage?.MajorPageFaults,
            Psi(pressure?.Memory));
    }

    private static IoStats? Io(PressureStats? pressure, DateTimeOffset now) =>
        pressure?.Io is { } io ? new IoStats(now, Psi(io)) : null;

    private static SwapStats? Swap(CgroupUsage? usage, DateTimeOffset now) =>
        usage?.MemorySwap is { } swap ? new SwapStats(usage.Timestamp, null, swap) : null;

    private static PsiStats? Psi(ResourcePressure? pressure) =>
        pressure is null ? null : new PsiStats(Data(pressure.Full), Data(pressure.Some));

    private static PsiData Data(PressureLine? line) =>
        line is null ? new PsiData(0, 0, 0, 0) : new PsiData((ulong)line.TotalMicroseconds, line.Avg10, line.Avg60, line.Avg300);

    private static NetworkStats? Network(IReadOnlyList<InterfaceStats> interfaces, DateTimeOffset now)
    {
        if (interfaces.Count == 0)
        {
            return null;
        }

        var all = interfaces.Select(i => new InterfaceStatsJson(i.Name, i.RxBytes, i.RxErrors, i.TxBytes, i.TxErrors)).ToList();
        var main = all.FirstOrDefault(i => i.Name == DefaultInterface);
        return new NetworkStats(now, main?.Name ?? "", main?.RxBytes, main?.RxErrors, main?.TxBytes, main?.TxErrors, all);
    }

    private static FsStats? Fs(FilesystemSample? fs) => fs is null
        ? null
        : new FsStats(fs.Time, fs.AvailableBytes, fs.CapacityBytes, fs.UsedBytes, fs.InodesFree, fs.Inodes, fs.InodesUsed);

    private static VolumeStats Volume(VolumeSample volume)
    {
        var fs = volume.Usage;
        return new VolumeStats(fs.Time, fs.AvailableBytes, fs.CapacityBytes, fs.UsedBytes, fs.InodesFree, fs.Inodes, fs.InodesUsed, volume.Name);
    }
}
