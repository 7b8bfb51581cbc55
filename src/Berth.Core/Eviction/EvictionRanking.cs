using Berth.Core.Capacity;

namespace Berth.Core.Eviction;

/// <summary>
/// The kubelet's order of pods for eviction per starved signal (pkg/kubelet/eviction/helpers.go):
/// <list type="bullet">
/// <item>memory (rankMemoryPressure): usage above the pod's memory request first, then lower
/// priority, then the larger usage above request;</item>
/// <item>pids (rankPIDPressure): lower priority, then more processes;</item>
/// <item>disk (rankDiskPressureFunc): usage above the ephemeral-storage request first, then lower
/// priority, then the larger usage above request, usage measured on the filesystems the signal
/// is about.</item>
/// </list>
/// A pod without statistics ranks before one with them in every usage comparison. Ties keep the
/// input order (the kubelet's sort is not stable, so its order on ties is unspecified).
/// </summary>
public static class EvictionRanking
{
    private enum Measured
    {
        Root = 1,
        Logs = 2,
        LocalVolumes = 4,
    }

    public static IReadOnlyList<PodUsage> Rank(string signal, FilesystemLayout layout, IEnumerable<PodUsage> pods)
    {
        Comparison<PodUsage>[] order = EvictionSignals.ResourceOf(signal) switch
        {
            EvictionSignals.Memory => [ExceedsMemoryRequests, ByPriority, ByMemoryAboveRequest],
            EvictionSignals.Pids => [ByPriority, ByProcesses],
            var resource => DiskOrder(Measure(signal, layout), resource == EvictionSignals.Inodes),
        };
        return pods.OrderBy(p => p, Comparer<PodUsage>.Create((a, b) => order.Select(c => c(a, b)).FirstOrDefault(r => r != 0))).ToList();
    }

    private static int ByPriority(PodUsage a, PodUsage b) => a.Priority.CompareTo(b.Priority);

    private static int ExceedsMemoryRequests(PodUsage a, PodUsage b) => WithStats(a, b) ??
        TrueFirst(a.MemoryWorkingSet > a.MemoryRequest, b.MemoryWorkingSet > b.MemoryRequest);

    private static int ByMemoryAboveRequest(PodUsage a, PodUsage b) => WithStats(a, b) ??
        (b.MemoryWorkingSet - b.MemoryRequest).CompareTo(a.MemoryWorkingSet - a.MemoryRequest);

    private static int ByProcesses(PodUsage a, PodUsage b) => WithStats(a, b) ?? b.ProcessCount.CompareTo(a.ProcessCount);

    private static Comparison<PodUsage>[] DiskOrder(Measured measured, bool inodes)
    {
        long Usage(PodUsage pod) => inodes ? Disk(pod, measured).Inodes : Disk(pod, measured).Bytes;

        // No pod can request inodes, so any inode use exceeds "the request" (exceedDiskRequests).
        long Request(PodUsage pod) => inodes ? 0 : pod.EphemeralStorageRequest;
        return
        [
            (a, b) => WithStats(a, b) ?? TrueFirst(Usage(a) > Request(a), Usage(b) > Request(b)),
            ByPriority,

            // The kubelet's disk() subtracts the ephemeral-storage request even from an inode count.
            (a, b) => WithStats(a, b) ?? (Usage(b) - b.EphemeralStorageRequest).CompareTo(Usage(a) - a.EphemeralStorageRequest),
        ];
    }

    /// <summary>podDiskUsage over the fs stats buildSignalToRankFunc measures for the signal.
    /// With writable layers on nodefs (split), imagefs holds only images, which no pod is charged
    /// for, so every pod measures zero there.</summary>
    private static Measured Measure(string signal, FilesystemLayout layout)
    {
        var nodeFs = signal is EvictionThresholds.NodeFsAvailable or EvictionThresholds.NodeFsInodesFree;
        var imageFs = signal is EvictionThresholds.ImageFsAvailable or EvictionThresholds.ImageFsInodesFree;
        return layout switch
        {
            FilesystemLayout.DedicatedImageFs => nodeFs ? Measured.Logs | Measured.LocalVolumes : Measured.Root,
            FilesystemLayout.SplitImageFs => imageFs ? 0 : Measured.Root | Measured.Logs | Measured.LocalVolumes,
            _ => Measured.Root | Measured.Logs | Measured.LocalVolumes,
        };
    }

    private static FsUsage Disk(PodUsage pod, Measured measured)
    {
        var total = FsUsage.None;
        if (measured.HasFlag(Measured.Root))
        {
            total = total.Plus(pod.Rootfs);
        }

        if (measured.HasFlag(Measured.Logs))
        {
            total = total.Plus(pod.Logs);
        }

        if (measured.HasFlag(Measured.LocalVolumes))
        {
            total = total.Plus(pod.LocalVolumes);
        }

        return total;
    }

    /// <summary>Null when both pods have statistics; otherwise the one without ranks first.</summary>
    private static int? WithStats(PodUsage a, PodUsage b) => a.HasStats && b.HasStats ? null : TrueFirst(!a.HasStats, !b.HasStats);

    /// <summary>cmpBool: true before false.</summary>
    private static int TrueFirst(bool a, bool b) => a == b ? 0 : a ? -1 : 1;
}
