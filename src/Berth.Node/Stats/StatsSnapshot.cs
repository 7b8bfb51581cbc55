using Berth.Linux;
using Berth.Linux.Cgroups;

namespace Berth.Node.Stats;

/// <summary>
/// Everything one housekeeping pass saw, immutable, so every endpoint (/metrics/cadvisor,
/// /metrics/resource, /stats/summary) renders the same numbers. Cumulative counters only: rates
/// such as usageNanoCores come from two snapshots through <see cref="CpuRates"/>.
/// </summary>
public sealed record StatsSnapshot(DateTimeOffset Timestamp, NodeSample Node, IReadOnlyList<PodSample> Pods);

/// <summary>The node as a whole: the root cgroup's usage, /proc/pressure, the node's and the
/// image store's filesystems and the pid limits.</summary>
/// <param name="StartTime">When the node's stats collection started (the agent's start, as the
/// kubelet reports its own).</param>
/// <param name="Usage">The root cgroup ("/"): cAdvisor's machine-wide container.</param>
/// <param name="MemoryCapacity">Physical memory; the node's availableBytes is this minus the
/// working set.</param>
/// <param name="MaxPid">kernel.pid_max.</param>
/// <param name="ProcessCount">Processes running on the node.</param>
public sealed record NodeSample(
    string NodeName,
    DateTimeOffset StartTime,
    CgroupUsage? Usage,
    PressureStats? Pressure,
    ulong? MemoryCapacity,
    IReadOnlyList<InterfaceStats> Network,
    FilesystemSample? NodeFs,
    FilesystemSample? ImageFs,
    long? MaxPid,
    long? ProcessCount)
{
    /// <summary>The kubelet's system containers ("kubelet", "runtime", "pods", "misc").</summary>
    public IReadOnlyList<SystemContainerSample> SystemContainers { get; init; } = [];
}

/// <summary>A raw cgroup the node tracks besides pods, such as the agent's own or kubepods.</summary>
public sealed record SystemContainerSample(
    string Name,
    string CgroupPath,
    DateTimeOffset StartTime,
    CgroupUsage? Usage,
    PressureStats? Pressure);

/// <summary>One pod: its cgroup parent (holding the infra process and every container), the
/// network namespace's counters, and its volumes.</summary>
/// <param name="EphemeralStorage">Writable layers, logs and emptyDir volumes together, the
/// kubelet's ephemeral-storage.</param>
public sealed record PodSample(
    string Uid,
    string Namespace,
    string Name,
    string CgroupPath,
    DateTimeOffset StartTime,
    CgroupUsage? Usage,
    PressureStats? Pressure,
    IReadOnlyList<InterfaceStats> Network,
    IReadOnlyList<VolumeSample> Volumes,
    FilesystemSample? EphemeralStorage,
    IReadOnlyList<ContainerSample> Containers)
{
    /// <summary>The pod's current sandbox (CRI's pod_sandbox_id); blank when it has none.</summary>
    public string SandboxId { get; init; } = "";
}

/// <summary>One container of a pod.</summary>
/// <param name="WritableLayer">The container's rootfs upper layer.</param>
/// <param name="Logs">The container's log files.</param>
public sealed record ContainerSample(
    string Id,
    string Name,
    string Image,
    string CgroupPath,
    DateTimeOffset StartTime,
    CgroupUsage? Usage,
    PressureStats? Pressure,
    ContainerLimits Spec,
    FilesystemSample? WritableLayer,
    FilesystemSample? Logs,
    int Restarts);

/// <summary>The container's resources as configured (not as read back), for cAdvisor's
/// container_spec_* gauges. Null is unset: no quota, no memory limit.</summary>
public sealed record ContainerLimits(long? CpuShares, long? CpuQuota, long? CpuPeriod, long? MemoryLimit);

/// <summary>Filesystem figures as the kubelet's FsStats has them. For a filesystem (nodefs,
/// imagefs) capacity, available and inode totals are set; for a consumer on it (a writable
/// layer, logs, a volume) used bytes and inodes used are.</summary>
/// <param name="Device">The filesystem's device (cAdvisor's "device" label), when known.</param>
public sealed record FilesystemSample(
    DateTimeOffset Time,
    ulong? CapacityBytes = null,
    ulong? AvailableBytes = null,
    ulong? UsedBytes = null,
    ulong? Inodes = null,
    ulong? InodesFree = null,
    ulong? InodesUsed = null,
    string? Device = null);

/// <summary>One volume of a pod and its usage.</summary>
public sealed record VolumeSample(string Name, FilesystemSample Usage);
