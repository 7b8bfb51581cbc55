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
/// <param name="Processes">pids.current: the tasks (threads) in the cgroup and its descendants,
/// which cAdvisor reports as container_threads; <see cref="ProcessCount"/> counts processes.</param>
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
    /// <summary>v1 cpuacct.stat counts in USER_HZ, which the kernel fixes at 100 per second for
    /// userspace (man 5 proc, "clock ticks"), whatever CONFIG_HZ is.</summary>
    public const ulong NanosecondsPerUserHzTick = 10_000_000;

    /// <summary>CPU time in user mode (v1 cpuacct.stat "user" ticks, v2 cpu.stat user_usec).</summary>
    public ulong? CpuUserNanoseconds { get; init; }

    /// <summary>CPU time in kernel mode (v1 cpuacct.stat "system" ticks, v2 cpu.stat system_usec).</summary>
    public ulong? CpuSystemNanoseconds { get; init; }

    /// <summary>CFS enforcement periods that have elapsed (cpu.stat nr_periods); 0 without a quota.</summary>
    public ulong? CpuPeriods { get; init; }

    /// <summary>Periods in which the cgroup ran out of quota (cpu.stat nr_throttled).</summary>
    public ulong? CpuThrottledPeriods { get; init; }

    /// <summary>Time spent throttled (v1 cpu.stat throttled_time in ns, v2 throttled_usec × 1000).</summary>
    public ulong? CpuThrottledNanoseconds { get; init; }

    /// <summary>Processes the kernel's OOM killer killed in the cgroup ("oom_kill" of v1
    /// memory.oom_control, v2 memory.events); null on kernels before 4.13, which lack the key.</summary>
    public ulong? OomKills { get; init; }

    /// <summary>Page cache (v1 memory.stat total_cache, v2 memory.stat file).</summary>
    public ulong? MemoryCache { get; init; }

    /// <summary>Swap in use (v1 memory.stat total_swap, v2 memory.swap.current); null without
    /// swap accounting.</summary>
    public ulong? MemorySwap { get; init; }

    /// <summary>Page faults of the cgroup's own tasks, without descendants (v1 memory.stat
    /// pgfault); v2's memory.stat is hierarchical only, so there it equals <see cref="PageFaults"/>.
    /// cAdvisor labels this scope="container" and the hierarchical count scope="hierarchy".</summary>
    public ulong? ContainerPageFaults { get; init; }

    /// <inheritdoc cref="ContainerPageFaults"/>
    public ulong? ContainerMajorPageFaults { get; init; }

    /// <summary>Distinct processes in cgroup.procs of the cgroup and its descendants (cAdvisor's
    /// container_processes).</summary>
    public ulong? ProcessCount { get; init; }

    /// <summary>Open file descriptors of the processes in <see cref="ProcessCount"/> (cAdvisor's
    /// container_file_descriptors); null where processes are not counted (the root).</summary>
    public ulong? FileDescriptors { get; init; }

    /// <summary>Null when the cgroup does not exist on the memory or cpu hierarchy.</summary>
    /// <param name="procRoot">Where the processes' fd directories are (a test's fake /proc).</param>
    public static CgroupUsage? Read(ICgroupDriver driver, string path, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(driver);
        var usage = driver.Version == 1 ? ReadV1(driver, path) : ReadV2(driver, path);
        if (usage is null || path == "/")
        {
            return usage;
        }

        var processes = ProcessesOf(driver, path);
        return usage with
        {
            ProcessCount = processes is null ? null : (ulong)processes.Count,
            FileDescriptors = processes is null ? null : FileDescriptorsOf(processes, procRoot),
        };
    }

    private static CgroupUsage? ReadV1(ICgroupDriver driver, string path)
    {
        var cpu = Number(Try(() => driver.ReadFile(path, "cpuacct", "cpuacct.usage")));

        // The time of the CPU reading, not of the whole read: rates divide by it, and the root's
        // memory.stat can take long enough to skew a short window.
        var at = DateTimeOffset.UtcNow;
        var usage = Number(Try(() => driver.ReadFile(path, "memory", "memory.usage_in_bytes")));
        if (cpu is null && usage is null)
        {
            return null;
        }

        // The hierarchical totals include child cgroups, which a pod cgroup's containers are.
        var stat = Stat(Try(() => driver.ReadFile(path, "memory", "memory.stat")));
        var limit = Number(Try(() => driver.ReadFile(path, "memory", "memory.limit_in_bytes")));
        var cpuacctStat = Stat(Try(() => driver.ReadFile(path, "cpuacct", "cpuacct.stat")));
        var cpuStat = Stat(Try(() => driver.ReadFile(path, "cpu", "cpu.stat")));
        var oom = Stat(Try(() => driver.ReadFile(path, "memory", "memory.oom_control")));
        var pageSize = (ulong)Environment.SystemPageSize;
        return new CgroupUsage(
            at,
            cpu,
            usage,
            WorkingSet(usage, stat.GetValueOrDefault("total_inactive_file")),
            stat.GetValueOrDefault("total_rss"),
            stat.GetValueOrDefault("total_pgfault"),
            stat.GetValueOrDefault("total_pgmajfault"),
            limit is { } l && l < long.MaxValue / pageSize * pageSize ? l : null,
            Number(Try(() => driver.ReadFile(path, "pids", "pids.current"))))
        {
            CpuUserNanoseconds = cpuacctStat.GetValueOrDefault("user") * NanosecondsPerUserHzTick,
            CpuSystemNanoseconds = cpuacctStat.GetValueOrDefault("system") * NanosecondsPerUserHzTick,
            CpuPeriods = cpuStat.GetValueOrDefault("nr_periods"),
            CpuThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled"),
            CpuThrottledNanoseconds = cpuStat.GetValueOrDefault("throttled_time"),
            OomKills = oom.GetValueOrDefault("oom_kill"),
            MemoryCache = stat.GetValueOrDefault("total_cache"),
            MemorySwap = stat.GetValueOrDefault("total_swap"),
            ContainerPageFaults = stat.GetValueOrDefault("pgfault"),
            ContainerMajorPageFaults = stat.GetValueOrDefault("pgmajfault"),
        };
    }

    private static CgroupUsage? ReadV2(ICgroupDriver driver, string path)
    {
        var cpuStat = Stat(Try(() => driver.ReadFile(path, null, "cpu.stat")));
        var at = DateTimeOffset.UtcNow; // as in ReadV1: the time of the CPU reading
        var usage = Number(Try(() => driver.ReadFile(path, null, "memory.current")));
        if (cpuStat.Count == 0 && usage is null)
        {
            return null;
        }

        var stat = Stat(Try(() => driver.ReadFile(path, null, "memory.stat")));
        var events = Stat(Try(() => driver.ReadFile(path, null, "memory.events")));
        return new CgroupUsage(
            at,
            cpuStat.GetValueOrDefault("usage_usec") * 1000,
            usage,
            WorkingSet(usage, stat.GetValueOrDefault("inactive_file")),
            stat.GetValueOrDefault("anon"),
            stat.GetValueOrDefault("pgfault"),
            stat.GetValueOrDefault("pgmajfault"),
            Number(Try(() => driver.ReadFile(path, null, "memory.max"))),
            Number(Try(() => driver.ReadFile(path, null, "pids.current"))))
        {
            CpuUserNanoseconds = cpuStat.GetValueOrDefault("user_usec") * 1000,
            CpuSystemNanoseconds = cpuStat.GetValueOrDefault("system_usec") * 1000,
            CpuPeriods = cpuStat.GetValueOrDefault("nr_periods"),
            CpuThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled"),
            CpuThrottledNanoseconds = cpuStat.GetValueOrDefault("throttled_usec") * 1000,
            OomKills = events.GetValueOrDefault("oom_kill"),
            MemoryCache = stat.GetValueOrDefault("file"),
            MemorySwap = Number(Try(() => driver.ReadFile(path, null, "memory.swap.current"))),
            ContainerPageFaults = stat.GetValueOrDefault("pgfault"),
            ContainerMajorPageFaults = stat.GetValueOrDefault("pgmajfault"),
        };
    }

    /// <summary>Null when the cgroup vanished between reads: a process count of 0 would be a lie.
    /// The root cgroup's is not walked (every process on the node); the node counts its own.</summary>
    private static IReadOnlyList<int>? ProcessesOf(ICgroupDriver driver, string path)
    {
        try
        {
            return driver.Processes(path);
        }
        catch (Exception e) when (e is IOException or CgroupException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The entries of each process's fd directory, listed without following the links: one
    /// directory read per process, cheap beside the pass's other reads (cAdvisor reads the same
    /// directories). A process that ended meanwhile counts none.
    /// </summary>
    private static ulong FileDescriptorsOf(IReadOnlyList<int> processes, string procRoot)
    {
        ulong total = 0;
        foreach (var pid in processes)
        {
            try
            {
                total += (ulong)Directory.EnumerateFileSystemEntries(Path.Join(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd")).LongCount();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone, or not ours to read
            }
        }

        return total;
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
