using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Node.Stats;

namespace Berth.Node.Eviction;

/// <summary>
/// The eviction signals observed in one housekeeping pass, as the kubelet's makeSignalObservations
/// (pkg/kubelet/eviction/helpers.go) reads them from its summary: each signal's available amount,
/// its capacity and when the statistics behind it were taken. A signal whose statistics are
/// missing is not observed, and its thresholds are then never met.
/// </summary>
public static class SignalObservations
{
    /// <summary>The system container of the pods' cgroup (kubepods), as the summary names it.</summary>
    public const string PodsContainer = "pods";

    /// <param name="allocatableMemory">The node's allocatable memory in bytes, against which the
    /// pods' cgroup's working set gives allocatableMemory.available; null leaves it unobserved.</param>
    public static IReadOnlyDictionary<string, SignalObservation> From(StatsSnapshot snapshot, long? allocatableMemory)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var node = snapshot.Node;
        var result = new Dictionary<string, SignalObservation>(StringComparer.Ordinal);

        // memory.available: the summary's availableBytes (capacity − root cgroup working set, floored
        // at 0), with availableBytes + workingSetBytes as capacity.
        if (node.MemoryCapacity is { } capacity && node.Usage?.MemoryWorkingSet is { } workingSet)
        {
            result[EvictionThresholds.MemoryAvailable] = Memory((long)capacity, (long)workingSet, node.Usage.Timestamp);
        }

        // allocatableMemory.available: the "pods" container's availableBytes, its limit being the
        // node's allocatable memory.
        if (allocatableMemory is { } allocatable
            && node.SystemContainers.FirstOrDefault(s => s.Name == PodsContainer)?.Usage is { MemoryWorkingSet: { } podsWorkingSet } pods)
        {
            result[EvictionThresholds.AllocatableMemoryAvailable] = Memory(allocatable, (long)podsWorkingSet, pods.Timestamp);
        }

        if (node.NodeFs is { } nodeFs)
        {
            AddFs(result, nodeFs, EvictionThresholds.NodeFsAvailable, EvictionThresholds.NodeFsInodesFree);
        }

        // The image store on the node's own filesystem is observed there; the summary's
        // containerFs is the imageFs unless the runtime splits them, which Berth does not.
        if ((node.ImageFs ?? node.NodeFs) is { } imageFs)
        {
            AddFs(result, imageFs, EvictionThresholds.ImageFsAvailable, EvictionThresholds.ImageFsInodesFree);
            AddFs(result, imageFs, EvictionThresholds.ContainerFsAvailable, EvictionThresholds.ContainerFsInodesFree);
        }

        // pid.available: rlimit's maxpid − curproc.
        if (node.MaxPid is { } maxPid && node.ProcessCount is { } processes)
        {
            result[EvictionThresholds.PidAvailable] = new SignalObservation(maxPid - processes, maxPid, snapshot.Timestamp);
        }

        return result;
    }

    /// <summary>Where the images live relative to the node's filesystem: a dedicated image
    /// filesystem when both report a device and the devices differ, otherwise one filesystem.</summary>
    public static FilesystemLayout Layout(StatsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Node is { NodeFs.Device: { } node, ImageFs.Device: { } image } && node != image
            ? FilesystemLayout.DedicatedImageFs
            : FilesystemLayout.Shared;
    }

    private static SignalObservation Memory(long limit, long workingSet, DateTimeOffset time)
    {
        var available = Math.Max(0, limit - workingSet);
        return new SignalObservation(available, available + workingSet, time);
    }

    private static void AddFs(Dictionary<string, SignalObservation> result, FilesystemSample fs, string bytesSignal, string inodesSignal)
    {
        if (fs is { AvailableBytes: { } available, CapacityBytes: { } capacity })
        {
            result[bytesSignal] = new SignalObservation((long)available, (long)capacity, fs.Time);
        }

        if (fs is { InodesFree: { } free, Inodes: { } inodes })
        {
            result[inodesSignal] = new SignalObservation((long)free, (long)inodes, fs.Time);
        }
    }
}
