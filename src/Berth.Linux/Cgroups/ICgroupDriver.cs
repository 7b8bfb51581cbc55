using Berth.Core.Planning;

namespace Berth.Linux.Cgroups;

/// <summary>
/// Values Berth writes on the cgroups it owns (QoS and pod level). Null means "leave unset"
/// (unlimited). Container cgroups are written by the OCI runtime from the bundle instead.
/// </summary>
public sealed record CgroupValues(
    long? CpuShares = null,
    long? CpuQuota = null,
    long? CpuPeriod = null,
    long? MemoryLimit = null,
    long? PidsLimit = null)
{
    /// <summary>Memory QoS (KEP-2570), cgroup v2 only: memory.min, memory.low and memory.high.
    /// Null writes the kernel's default (0, 0, max), so turning the feature off clears them.</summary>
    public long? MemoryMin { get; init; }

    /// <inheritdoc cref="MemoryMin"/>
    public long? MemoryLow { get; init; }

    /// <inheritdoc cref="MemoryMin"/>
    public long? MemoryHigh { get; init; }
}

/// <summary>One control file's raw content (v1: in <paramref name="Controller"/>'s hierarchy; v2: null).</summary>
public sealed record CgroupFileValue(string? Controller, string File, string Value);

/// <summary>
/// Creates, writes, reads and removes cgroups by their cgroupfs-style path within the hierarchy
/// ("/kubepods/burstable/pod&lt;uid&gt;"). One implementation per cgroup version, both rooted at a
/// configurable mount point so tests can run them on a fake tree. Paths are validated: they are
/// absolute, have no "." or ".." components, and can never resolve outside the mount.
/// </summary>
public interface ICgroupDriver
{
    /// <summary>1 or 2.</summary>
    int Version { get; }

    /// <summary>How this driver turns cpu shares into <c>cpu.weight</c> (v2): the formula of the
    /// runc that writes the container cgroups, so pod, QoS and container cgroups agree. v1 has no
    /// weight and answers <see cref="CpuWeightFormula.Linear"/>.</summary>
    CpuWeightFormula WeightFormula { get; }

    /// <summary>Where the hierarchy (v2) or the per-controller hierarchies (v1) are mounted.</summary>
    string MountPoint { get; }

    /// <summary>Creates the cgroup and any missing ancestors on every hierarchy Berth uses
    /// (v1: each mounted controller plus name=systemd; v2: the unified tree, enabling the cpu,
    /// memory and pids controllers in each ancestor's cgroup.subtree_control). Idempotent.
    /// On v1, a new cpuset cgroup gets cpuset.cpus/cpuset.mems copied from its parent.</summary>
    void Create(string path);

    /// <summary>Writes the non-null values (v1: cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us,
    /// memory.limit_in_bytes, pids.max; v2: cpu.weight from shares via the kubelet's formula,
    /// cpu.max, memory.max, pids.max, and memory.min, memory.low and memory.high). Null values
    /// are written as "unlimited" where a previous value could exist (quota -1 / "max", memory
    /// -1 / "max", pids "max", memory.min and memory.low 0). v1 has no Memory QoS files.</summary>
    void Apply(string path, CgroupValues values);

    bool Exists(string path);

    /// <summary>Reads back the values (v2 weight is reported as CpuShares null; use ReadFile for raw).</summary>
    CgroupValues Read(string path);

    /// <summary>Raw content of one control file, e.g. ("memory", "memory.limit_in_bytes") on v1 or
    /// (null, "memory.max") on v2; null when the file does not exist.</summary>
    string? ReadFile(string path, string? controller, string file);

    /// <summary>How many processes the kernel's OOM killer has killed in the cgroup (v1
    /// memory.oom_control, v2 memory.events "oom_kill"); 0 when the cgroup is gone.</summary>
    long OomKills(string path);

    /// <summary>Every pid in the cgroup and its descendants, on any hierarchy.</summary>
    IReadOnlyList<int> Processes(string path);

    /// <summary>
    /// SIGKILLs every process in the cgroup and its descendants, including cgroups the pod's own
    /// processes made (a nested runtime's threaded or domain-invalid subtrees), and waits until
    /// they are gone. v2 writes cgroup.kill where the kernel has it (5.14+); otherwise, and on v1,
    /// the pids (or, in threaded cgroups, the threads) are signalled until none is left.
    /// Returns false when processes remain after the wait.
    /// </summary>
    Task<bool> KillAsync(string path, CancellationToken ct);

    /// <summary>Removes the cgroup and its (empty) descendant cgroups on every hierarchy, deepest
    /// first. Absent cgroups are fine. Throws <see cref="IOException"/> naming the directory when
    /// one is still busy.</summary>
    void Remove(string path);

    /// <summary>
    /// Sets only the given limits on a cgroup Berth does not own (the kubelet's
    /// system-reserved and kube-reserved cgroups): cpu shares (v2: cpu.weight in the driver's
    /// formula), the memory limit and pids.max, leaving every other file alone. Returns the raw
    /// previous content of each file it wrote, for <see cref="RestoreFiles"/>.
    /// </summary>
    IReadOnlyList<CgroupFileValue> Limit(string path, long? cpuShares, long? memoryLimit, long? pidsLimit);

    /// <summary>Writes back files as <see cref="Limit"/> returned them.</summary>
    void RestoreFiles(string path, IReadOnlyList<CgroupFileValue> files);

    /// <summary>The real directories that make up this cgroup (one per v1 hierarchy, one on v2).</summary>
    IReadOnlyList<string> Directories(string path);

    /// <summary>The cgroup's pressure stall information (cpu, memory, io). v2 reads the cgroup's
    /// own *.pressure files; a v1 hybrid host reads them from the controller-less cgroup2 mount
    /// ("unified"), where runc and Berth place the same path. Null when the cgroup is gone or
    /// the kernel keeps no PSI for it (plain v1, psi=0).</summary>
    PressureStats? Pressure(string path);
}
