using Berth.Core.Capacity;

namespace Berth.Core.Eviction;

/// <summary>
/// The eviction settings of a KubeletConfiguration: evictionHard, evictionSoft with
/// evictionSoftGracePeriod, evictionMinimumReclaim, evictionPressureTransitionPeriod and
/// evictionMaxPodGracePeriod, plus the facts that change the thresholds the kubelet derives from
/// them (whether pods' allocatable is enforced, how the filesystems are laid out).
/// </summary>
public sealed record EvictionConfig
{
    public IReadOnlyList<EvictionThreshold> Hard { get; init; } = EvictionThresholds.DefaultHard;

    public IReadOnlyList<EvictionThreshold> Soft { get; init; } = [];

    /// <summary>evictionSoftGracePeriod by signal; a soft threshold without one is ignored here
    /// (configuration validation refuses it).</summary>
    public IReadOnlyDictionary<string, TimeSpan> SoftGracePeriods { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>evictionMinimumReclaim by signal, an amount or a percentage of capacity.</summary>
    public IReadOnlyDictionary<string, EvictionThreshold> MinimumReclaim { get; init; } = new Dictionary<string, EvictionThreshold>();

    /// <summary>evictionPressureTransitionPeriod (the kubelet's default is 5 minutes).</summary>
    public TimeSpan PressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>evictionMaxPodGracePeriod: the termination grace period of a soft eviction (default 0).</summary>
    public long MaxPodGracePeriodSeconds { get; init; }

    /// <summary>enforceNodeAllocatable contains "pods": the hard memory.available threshold is
    /// repeated for allocatableMemory.available (addAllocatableThresholds).</summary>
    public bool EnforcePodsAllocatable { get; init; } = true;

    public FilesystemLayout Filesystems { get; init; } = FilesystemLayout.Shared;

    /// <summary>
    /// The thresholds the eviction manager enforces, in a fixed order (hard, then soft), as
    /// ParseThresholdConfig and UpdateContainerFsThresholds derive them: minimum reclaim attached
    /// by signal, allocatableMemory.available copied from the hard memory.available, and the
    /// containerfs.* thresholds copied from nodefs.* (one filesystem, or writable layers on nodefs)
    /// or from imagefs.* (a dedicated imagefs) whatever was configured for containerfs itself.
    /// </summary>
    public IReadOnlyList<SignalThreshold> Thresholds()
    {
        var hard = Hard.Where(t => !IsContainerFs(t.Signal)).Select(t => new SignalThreshold(t, TimeSpan.Zero)).ToList();
        var soft = Soft.Where(t => !IsContainerFs(t.Signal) && SoftGracePeriods.ContainsKey(t.Signal))
            .Select(t => new SignalThreshold(t, SoftGracePeriods[t.Signal])).ToList();
        var all = hard.Concat(soft).Select(t => t with { MinimumReclaim = MinimumReclaim.GetValueOrDefault(t.Signal) }).ToList();

        if (EnforcePodsAllocatable)
        {
            all.AddRange(all.Where(t => t.IsHard && t.Signal == EvictionThresholds.MemoryAvailable).ToList()
                .Select(t => t with { Level = t.Level with { Signal = EvictionThresholds.AllocatableMemoryAvailable } }));
        }

        var (bytesFrom, inodesFrom) = Filesystems == FilesystemLayout.DedicatedImageFs
            ? (EvictionThresholds.ImageFsAvailable, EvictionThresholds.ImageFsInodesFree)
            : (EvictionThresholds.NodeFsAvailable, EvictionThresholds.NodeFsInodesFree);
        var containerFs = all.Where(t => t.Signal == bytesFrom).Select(t => t with { Level = t.Level with { Signal = EvictionThresholds.ContainerFsAvailable } })
            .Concat(all.Where(t => t.Signal == inodesFrom).Select(t => t with { Level = t.Level with { Signal = EvictionThresholds.ContainerFsInodesFree } }))
            .ToList();
        all.AddRange(containerFs);
        return all;
    }

    private static bool IsContainerFs(string signal) =>
        signal is EvictionThresholds.ContainerFsAvailable or EvictionThresholds.ContainerFsInodesFree;
}
