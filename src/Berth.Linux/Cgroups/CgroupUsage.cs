using System.Globalization;

namespace Berth.Linux.Cgroups;

/// <summary>
/// What a cgroup has used so far, as the kubelet's stats want it. Null fields are files this
/// cgroup lacks (a controller not mounted, a cgroup gone).
/// </summary>
/// <param name="CpuNanoseconds">Cumulative CPU time (v1 cpuacct.usage, v2 cpu.stat usage_usec × 1000).</param>
/// <param name="MemoryUsage">v1 memory.usage_in_bytes, v2 memory.current: page cache included.</param>
/// <param name="MemoryWorkingSet">Usage minus inactive file pages, floored at zero: cAdvisor's
/// working set, on which the kubelet evicts.</param>
/// <param name="MemoryLimit">Null when unlimited.</param>
public sealed record CgroupUsage(
    DateTimeOffset Timestamp,
    ulong? CpuNanoseconds,
    ulong? MemoryUsage,
    ulong? MemoryWorkingSet,
    ulong? MemoryRss,
    ulong? PageFaults,
    ulong? MajorPageFaults,
    ulong? MemoryLimit,
    ulong? Processes)
{
    /// <summary>Null when the cgroup does not exist on the memory or cpu hierarchy.</summary>
    public static CgroupUsage? Read(ICgroupDriver driver, string path)
    {
        ArgumentNullException.ThrowIfNull(driver);
        return driver.Version == 1 ? ReadV1(driver, path) : ReadV2(driver, path);
    }

    private static CgroupUsage? ReadV1(ICgroupDriver driver, string path)
    {
        var cpu = Number(Try(() => driver.ReadFile(path, "cpuacct", "cpuacct.usage")));
        var usage = Number(Try(() => driver.ReadFile(path, "memory", "memory.usage_in_bytes")));
        if (cpu is null && usage is null)
        {
            return null;
        }

        // The hierarchical totals include child cgroups, which a pod cgroup's containers are.
        var stat = Stat(Try(() => driver.ReadFile(path, "memory", "memory.stat")));
        var limit = Number(Try(() => driver.ReadFile(path, "memory", "memory.limit_in_bytes")));
        var pageSize = (ulong)Environment.SystemPageSize;
        return new CgroupUsage(
            DateTimeOffset.UtcNow,
            cpu,
            usage,
            WorkingSet(usage, stat.GetValueOrDefault("total_inactive_file")),
            stat.GetValueOrDefault("total_rss"),
            stat.GetValueOrDefault("total_pgfault"),
            stat.GetValueOrDefault("total_pgmajfault"),
            limit is { } l && l < long.MaxValue / pageSize * pageSize ? l : null,
            Number(Try(() => driver.ReadFile(path, "pids", "pids.current"))));
    }

    private static CgroupUsage? ReadV2(ICgroupDriver driver, string path)
    {
        var cpuStat = Stat(Try(() => driver.ReadFile(path, null, "cpu.stat")));
        var usage = Number(Try(() => driver.ReadFile(path, null, "memory.current")));
        if (cpuStat.Count == 0 && usage is null)
        {
            return null;
        }

        var stat = Stat(Try(() => driver.ReadFile(path, null, "memory.stat")));
        return new CgroupUsage(
            DateTimeOffset.UtcNow,
            cpuStat.GetValueOrDefault("usage_usec") * 1000,
            usage,
            WorkingSet(usage, stat.GetValueOrDefault("inactive_file")),
            stat.GetValueOrDefault("anon"),
            stat.GetValueOrDefault("pgfault"),
            stat.GetValueOrDefault("pgmajfault"),
            Number(Try(() => driver.ReadFile(path, null, "memory.max"))),
            Number(Try(() => driver.ReadFile(path, null, "pids.current"))));
    }

    private static ulong? WorkingSet(ulong? usage, ulong? inactiveFile) =>
        usage is { } u ? (inactiveFile is { } i && i < u ? u - i : inactiveFile is null ? u : 0) : null;

    /// <summary>A missing controller or hierarchy is "no value", not an error, for stats.</summary>
    private static string? Try(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is ArgumentException or CgroupException)
        {
            return null;
        }
    }

    private static ulong? Number(string? text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>"key value" lines (memory.stat, cpu.stat).</summary>
    private static Dictionary<string, ulong?> Stat(string? text)
    {
        var values = new Dictionary<string, ulong?>(StringComparer.Ordinal);
        foreach (var line in (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && Number(parts[1].Trim()) is { } n)
            {
                values[parts[0]] = n;
            }
        }

        return values;
    }
}
