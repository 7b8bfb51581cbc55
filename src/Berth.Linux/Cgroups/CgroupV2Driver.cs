using System.Globalization;
using Berth.Core.Planning;

namespace Berth.Linux.Cgroups;

/// <summary>cgroup v2: one unified tree rooted at the mount point.</summary>
public sealed class CgroupV2Driver : ICgroupDriver
{
    /// <summary>The controllers Berth writes values for, in the order they are enabled.</summary>
    public static readonly IReadOnlyList<string> Controllers = ["cpu", "memory", "pids"];

    private readonly CpuWeightFormula weightFormula;

    /// <param name="weightFormula">How cpu.shares become cpu.weight: the formula of the runc that
    /// writes the container cgroups, so pod, QoS and container weights agree.</param>
    public CgroupV2Driver(string mountPoint = HostFacts.CgroupMount, CpuWeightFormula weightFormula = CpuWeightFormula.Linear)
    {
        this.weightFormula = weightFormula;
        MountPoint = mountPoint;
        Root = Libc.Canonical(mountPoint)
            ?? throw new DirectoryNotFoundException($"cgroup mount point {mountPoint} does not exist");
    }

    public int Version => 2;

    public CpuWeightFormula WeightFormula => weightFormula;

    public string MountPoint { get; }

    /// <summary>Canonical path of the mount point.</summary>
    public string Root { get; }

    /// <summary>
    /// A controller's files appear in a cgroup only when its parent lists it in
    /// cgroup.subtree_control, so each ancestor from the root down enables cpu, memory and pids
    /// for its children before the next level is made, as far as the ancestor itself has them
    /// (its cgroup.controllers). The new cgroup's own subtree_control is left alone: a cgroup
    /// that enables controllers for children can no longer hold processes.
    /// </summary>
    public void Create(string path)
    {
        // Validate the whole path before the first ancestor is touched.
        _ = CgroupPath.Under(Root, path);
        var level = Root;
        foreach (var component in CgroupPath.Components(path))
        {
            EnableForChildren(level);
            level = Path.Join(level, component);
            CgroupTree.CreateLevels(Root, level);
        }
    }

    public void Apply(string path, CgroupValues values)
    {
        var directory = CgroupPath.Under(Root, path);
        if (values.CpuShares is { } shares)
        {
            CgroupFiles.Write(directory, "cpu.weight", CgroupMath.SharesToWeight(shares, weightFormula));
        }

        var quota = values.CpuQuota?.ToString(CultureInfo.InvariantCulture) ?? "max";
        var period = values.CpuPeriod ?? CgroupMath.QuotaPeriodMicros;
        CgroupFiles.Write(directory, "cpu.max", string.Create(CultureInfo.InvariantCulture, $"{quota} {period}"));
        CgroupFiles.Write(directory, "memory.max", values.MemoryLimit?.ToString(CultureInfo.InvariantCulture) ?? "max");
        CgroupFiles.Write(directory, "pids.max", values.PidsLimit?.ToString(CultureInfo.InvariantCulture) ?? "max");
        CgroupFiles.Write(directory, "memory.min", (values.MemoryMin ?? 0).ToString(CultureInfo.InvariantCulture));
        CgroupFiles.Write(directory, "memory.low", (values.MemoryLow ?? 0).ToString(CultureInfo.InvariantCulture));
        CgroupFiles.Write(directory, "memory.high", values.MemoryHigh?.ToString(CultureInfo.InvariantCulture) ?? "max");
    }

    public IReadOnlyList<CgroupFileValue> Limit(string path, long? cpuShares, long? memoryLimit, long? pidsLimit)
    {
        var directory = CgroupPath.Under(Root, path);
        var previous = new List<CgroupFileValue>();
        foreach (var (file, value) in new[] { ("cpu.weight", cpuShares is { } s ? CgroupMath.SharesToWeight(s, weightFormula) : (long?)null), ("memory.max", memoryLimit), ("pids.max", pidsLimit) })
        {
            if (value is { } v)
            {
                previous.Add(new CgroupFileValue(null, file, CgroupFiles.Read(directory, file)
                    ?? throw new CgroupException($"{Path.Combine(directory, file)} does not exist: is its controller enabled in the parent's cgroup.subtree_control?")));
                CgroupFiles.Write(directory, file, v);
            }
        }

        return previous;
    }

    public void RestoreFiles(string path, IReadOnlyList<CgroupFileValue> files)
    {
        var directory = CgroupPath.Under(Root, path);
        foreach (var file in files)
        {
            CgroupFiles.Write(directory, file.File, file.Value);
        }
    }

    public bool Exists(string path) => Directory.Exists(CgroupPath.Under(Root, path));

    public CgroupValues Read(string path)
    {
        var directory = CgroupPath.Under(Root, path);
        long? quota = null;
        long? period = null;
        if (CgroupFiles.Read(directory, "cpu.max") is { Length: > 0 } cpuMax)
        {
            var fields = cpuMax.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            quota = fields[0] == "max" ? null : CgroupFiles.ParseLong(directory, "cpu.max", fields[0]);
            period = fields.Length > 1 ? CgroupFiles.ParseLong(directory, "cpu.max", fields[1]) : null;
        }

        return new CgroupValues(
            CpuShares: null,
            CpuQuota: quota,
            CpuPeriod: period,
            MemoryLimit: CgroupFiles.ReadLong(directory, "memory.max", unlimited: "max"),
            PidsLimit: CgroupFiles.ReadLong(directory, "pids.max", unlimited: "max"))
        {
            MemoryMin = CgroupFiles.ReadLong(directory, "memory.min", unlimited: "0"),
            MemoryLow = CgroupFiles.ReadLong(directory, "memory.low", unlimited: "0"),
            MemoryHigh = CgroupFiles.ReadLong(directory, "memory.high", unlimited: "max"),
        };
    }

    /// <param name="controller">Ignored: v2 has one tree.</param>
    /// <remarks>The root cgroup ("/") may be read, never written: its figures are the node's.</remarks>
    public string? ReadFile(string path, string? controller, string file) =>
        CgroupFiles.Read(path == "/" ? Root : CgroupPath.Under(Root, path), CgroupPath.File(file));

    public long OomKills(string path) => CgroupFiles.FlatKey(ReadFile(path, null, "memory.events"), "oom_kill");

    public IReadOnlyList<int> Processes(string path)
    {
        var pids = new SortedSet<int>();
        CgroupTree.CollectProcesses(CgroupPath.Under(Root, path), pids);
        return [.. pids];
    }

    public Task<bool> KillAsync(string path, CancellationToken ct)
    {
        var directory = CgroupPath.Under(Root, path);
        if (!Directory.Exists(directory))
        {
            return Task.FromResult(true);
        }

        if (File.Exists(Path.Join(directory, "cgroup.kill")))
        {
            CgroupFiles.Write(directory, "cgroup.kill", "1");
        }

        return CgroupTree.KillAllAsync([directory], ct);
    }

    public void Remove(string path)
    {
        if (CgroupTree.Remove(CgroupPath.Under(Root, path)) is { } failure)
        {
            throw new CgroupException($"cannot remove cgroup {path}: {failure}");
        }
    }

    public IReadOnlyList<string> Directories(string path) => [CgroupPath.Under(Root, path)];

    public PressureStats? Pressure(string path) => PressureStats.ReadDirectory(CgroupPath.Under(Root, path));

    private static void EnableForChildren(string cgroup)
    {
        var available = Words(CgroupFiles.Read(cgroup, "cgroup.controllers"));
        var enabled = Words(CgroupFiles.Read(cgroup, "cgroup.subtree_control"));
        var missing = Controllers.Where(c => available.Contains(c) && !enabled.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            CgroupFiles.Write(cgroup, "cgroup.subtree_control", string.Join(' ', missing.Select(c => "+" + c)));
        }
    }

    // A fake tree keeps the "+cpu" that was written where the kernel would show "cpu".
    private static HashSet<string> Words(string? text) =>
        [.. (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.TrimStart('+'))];
}
