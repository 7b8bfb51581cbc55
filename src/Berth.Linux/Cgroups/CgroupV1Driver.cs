using System.Globalization;
using Berth.Core.Planning;

namespace Berth.Linux.Cgroups;

/// <summary>
/// cgroup v1: one directory per hierarchy (see <see cref="CgroupHierarchy.Discover"/>).
/// Create, Processes and Remove cover every hierarchy, including name=systemd and, on a hybrid
/// host, the cgroup2 "unified" mount: runc puts container cgroups there too, so Berth's pod and
/// QoS cgroups must exist there as their parents, and must be removed there as well. Apply
/// writes only to the controller hierarchies; the unified mount gets no values.
/// </summary>
public sealed class CgroupV1Driver : ICgroupDriver
{
    public CgroupV1Driver(string mountPoint = HostFacts.CgroupMount)
        : this(mountPoint, MountInfo.Read())
    {
    }

    internal CgroupV1Driver(string mountPoint, IReadOnlyList<MountEntry> mounts)
    {
        MountPoint = mountPoint;
        Hierarchies = CgroupHierarchy.Discover(mountPoint, mounts);
        if (Hierarchies.Count == 0)
        {
            throw new CgroupException($"no cgroup hierarchies under {mountPoint}");
        }
    }

    public int Version => 1;

    public CpuWeightFormula WeightFormula => CpuWeightFormula.Linear;

    public string MountPoint { get; }

    public IReadOnlyList<CgroupHierarchy> Hierarchies { get; }

    public void Create(string path)
    {
        // Resolve on every hierarchy before the first mkdir, so a path refused on one leaves
        // nothing behind on the others.
        var directories = Directories(path);
        foreach (var (hierarchy, directory) in Hierarchies.Zip(directories))
        {
            var created = CgroupTree.CreateLevels(hierarchy.Root, directory);
            if (hierarchy.Has("cpuset"))
            {
                foreach (var level in created)
                {
                    // A new cpuset cgroup starts with no cpus and no mems (unless the parent
                    // has cgroup.clone_children), and the kernel refuses to attach any task to
                    // it until both are set.
                    InheritIfEmpty(level, "cpuset.cpus");
                    InheritIfEmpty(level, "cpuset.mems");
                }
            }
        }
    }

    public void Apply(string path, CgroupValues values)
    {
        var cpu = ControllerDirectory("cpu", path, required: values.CpuShares is not null || values.CpuPeriod is not null || values.CpuQuota is not null);
        if (cpu is not null)
        {
            if (values.CpuShares is { } shares)
            {
                CgroupFiles.Write(cpu, "cpu.shares", shares);
            }

            // The kernel checks a quota against the period in force, so the period goes first.
            if (values.CpuPeriod is { } period)
            {
                CgroupFiles.Write(cpu, "cpu.cfs_period_us", period);
            }

            CgroupFiles.Write(cpu, "cpu.cfs_quota_us", values.CpuQuota ?? -1);
        }

        if (ControllerDirectory("memory", path, required: values.MemoryLimit is not null) is { } memory)
        {
            CgroupFiles.Write(memory, "memory.limit_in_bytes", values.MemoryLimit ?? -1);
        }

        if (ControllerDirectory("pids", path, required: values.PidsLimit is not null) is { } pids)
        {
            CgroupFiles.Write(pids, "pids.max", values.PidsLimit?.ToString(CultureInfo.InvariantCulture) ?? "max");
        }
    }

    /// <summary>Whether the cgroup exists on every hierarchy, i.e. a Create finished.</summary>
    public bool Exists(string path) => Directories(path).All(Directory.Exists);

    public CgroupValues Read(string path)
    {
        var cpu = ControllerDirectory("cpu", path, required: false);
        var memory = ControllerDirectory("memory", path, required: false);
        var pids = ControllerDirectory("pids", path, required: false);
        return new CgroupValues(
            CpuShares: cpu is null ? null : CgroupFiles.ReadLong(cpu, "cpu.shares"),
            CpuQuota: cpu is null ? null : CgroupFiles.ReadLong(cpu, "cpu.cfs_quota_us", unlimited: "-1"),
            CpuPeriod: cpu is null ? null : CgroupFiles.ReadLong(cpu, "cpu.cfs_period_us"),
            MemoryLimit: memory is null ? null : MemoryLimit(memory),
            PidsLimit: pids is null ? null : CgroupFiles.ReadLong(pids, "pids.max", unlimited: "max"));
    }

    /// <param name="controller">A controller ("memory") or hierarchy name ("systemd",
    /// "unified"); null takes it from the file name's prefix ("memory.limit_in_bytes").</param>
    public string? ReadFile(string path, string? controller, string file)
    {
        CgroupPath.File(file);
        controller ??= file.Split('.')[0];
        var hierarchy = Hierarchies.FirstOrDefault(h => h.Name == controller || h.Has(controller))
            ?? throw new ArgumentException($"no cgroup hierarchy for '{controller}' under {MountPoint}", nameof(controller));
        // The root cgroup ("/") may be read, never written: its figures are the node's.
        return CgroupFiles.Read(path == "/" ? hierarchy.Root : CgroupPath.Under(hierarchy.Root, path), file);
    }

    public long OomKills(string path) => CgroupFiles.FlatKey(ReadFile(path, "memory", "memory.oom_control"), "oom_kill");

    public IReadOnlyList<int> Processes(string path)
    {
        var pids = new SortedSet<int>();
        foreach (var directory in Directories(path))
        {
            CgroupTree.CollectProcesses(directory, pids);
        }

        return [.. pids];
    }

    /// <summary>Tries every hierarchy, so one busy hierarchy does not leave the others behind,
    /// then reports all that failed.</summary>
    public Task<bool> KillAsync(string path, CancellationToken ct) => CgroupTree.KillAllAsync(Directories(path), ct);

    public void Remove(string path)
    {
        var failures = Directories(path).Select(CgroupTree.Remove).OfType<string>().ToList();
        if (failures.Count > 0)
        {
            throw new CgroupException($"cannot remove cgroup {path}: {string.Join("; ", failures)}");
        }
    }

    public IReadOnlyList<string> Directories(string path) =>
        [.. Hierarchies.Select(h => CgroupPath.Under(h.Root, path))];

    public PressureStats? Pressure(string path) =>
        Hierarchies.FirstOrDefault(h => h.IsUnified) is { } unified
            ? PressureStats.ReadDirectory(CgroupPath.Under(unified.Root, path))
            : null;

    /// <summary>The unlimited value reads back as the page counter maximum in bytes
    /// (PAGE_COUNTER_MAX * PAGE_SIZE), not as the -1 that set it.</summary>
    private static long? MemoryLimit(string directory)
    {
        var limit = CgroupFiles.ReadLong(directory, "memory.limit_in_bytes", unlimited: "-1");
        var pageSize = (long)Environment.SystemPageSize;
        return limit >= long.MaxValue / pageSize * pageSize ? null : limit;
    }

    private static void InheritIfEmpty(string level, string file)
    {
        if (string.IsNullOrEmpty(CgroupFiles.Read(level, file))
            && CgroupFiles.Read(Path.GetDirectoryName(level)!, file) is { Length: > 0 } inherited)
        {
            CgroupFiles.Write(level, file, inherited);
        }
    }

    public IReadOnlyList<CgroupFileValue> Limit(string path, long? cpuShares, long? memoryLimit, long? pidsLimit)
    {
        var previous = new List<CgroupFileValue>();
        foreach (var (controller, file, value) in new[] { ("cpu", "cpu.shares", cpuShares), ("memory", "memory.limit_in_bytes", memoryLimit), ("pids", "pids.max", pidsLimit) })
        {
            if (value is { } v)
            {
                var directory = ControllerDirectory(controller, path, required: true)!;
                previous.Add(new CgroupFileValue(controller, file, CgroupFiles.Read(directory, file)
                    ?? throw new CgroupException($"{Path.Combine(directory, file)} does not exist")));
                CgroupFiles.Write(directory, file, v);
            }
        }

        return previous;
    }

    public void RestoreFiles(string path, IReadOnlyList<CgroupFileValue> files)
    {
        foreach (var file in files)
        {
            CgroupFiles.Write(ControllerDirectory(file.Controller ?? file.File.Split('.')[0], path, required: true)!, file.File, file.Value);
        }
    }

    private string? ControllerDirectory(string controller, string path, bool required)
    {
        var hierarchy = Hierarchies.FirstOrDefault(h => !h.IsUnified && h.Has(controller));
        if (hierarchy is null)
        {
            return required ? throw new CgroupException($"cgroup controller {controller} is not mounted under {MountPoint}") : null;
        }

        return CgroupPath.Under(hierarchy.Root, path);
    }
}
