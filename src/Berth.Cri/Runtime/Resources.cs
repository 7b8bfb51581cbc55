using System.Text.RegularExpressions;
using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

/// <summary>LinuxContainerResources ↔ <see cref="ContainerLimits"/>. In CRI zero means unset.</summary>
internal static partial class Resources
{
    // The kernel's bounds (kernel/sched: shares 2..262144, CFS period 1 ms..1 s, quota ≥ 1 ms).
    private const long MinShares = 2;
    private const long MaxShares = 262144;
    private const long MinPeriod = 1000;
    private const long MaxPeriod = 1_000_000;
    private const long MinQuota = 1000;

    public static ContainerLimits From(V1.LinuxContainerResources? resources, string field, List<string> problems)
    {
        if (resources is null)
        {
            return new ContainerLimits { CpuShares = null };
        }

        if (resources.CpuShares < 0 || resources.CpuShares > MaxShares)
        {
            problems.Add($"{field}.cpu_shares: {resources.CpuShares} is outside 0..{MaxShares}");
        }

        if (resources.CpuQuota < -1 || resources.CpuQuota is > 0 and < MinQuota)
        {
            problems.Add($"{field}.cpu_quota: {resources.CpuQuota} must be 0 (unset), -1 (unlimited) or at least {MinQuota}");
        }

        if (resources.CpuPeriod != 0 && resources.CpuPeriod is < MinPeriod or > MaxPeriod)
        {
            problems.Add($"{field}.cpu_period: {resources.CpuPeriod} is outside {MinPeriod}..{MaxPeriod} microseconds");
        }

        if (resources.MemoryLimitInBytes < 0)
        {
            problems.Add($"{field}.memory_limit_in_bytes: {resources.MemoryLimitInBytes} is negative");
        }

        if (resources.OomScoreAdj is < -1000 or > 1000)
        {
            problems.Add($"{field}.oom_score_adj: {resources.OomScoreAdj} is outside -1000..1000");
        }

        foreach (var (value, name) in new[] { (resources.CpusetCpus, "cpuset_cpus"), (resources.CpusetMems, "cpuset_mems") })
        {
            if (value.Length > 0 && !CpuList().IsMatch(value))
            {
                problems.Add($"{field}.{name}: \"{value}\" is not a list such as 0-3,5");
            }
        }

        return new ContainerLimits
        {
            CpuShares = resources.CpuShares == 0 ? null : Math.Max(resources.CpuShares, MinShares),
            CpuQuota = resources.CpuQuota == 0 ? null : resources.CpuQuota,
            CpuPeriod = resources.CpuPeriod == 0 ? null : resources.CpuPeriod,
            MemoryLimit = resources.MemoryLimitInBytes == 0 ? null : resources.MemoryLimitInBytes,
            OomScoreAdj = (int)Math.Clamp(resources.OomScoreAdj, -1000, 1000),
            CpusetCpus = resources.CpusetCpus.Length > 0 ? resources.CpusetCpus : null,
            CpusetMems = resources.CpusetMems.Length > 0 ? resources.CpusetMems : null,
            Unified = resources.Unified.Count > 0 ? new Dictionary<string, string>(resources.Unified) : null,
        };
    }

    public static V1.LinuxContainerResources ToCri(ContainerLimits limits) => new()
    {
        CpuShares = limits.CpuShares ?? 0,
        CpuQuota = limits.CpuQuota ?? 0,
        CpuPeriod = limits.CpuPeriod ?? 0,
        MemoryLimitInBytes = limits.MemoryLimit ?? 0,
        OomScoreAdj = limits.OomScoreAdj,
        CpusetCpus = limits.CpusetCpus ?? "",
        CpusetMems = limits.CpusetMems ?? "",
        Unified = { limits.Unified?.ToDictionary() ?? [] },
    };

    [GeneratedRegex(@"^\d+(-\d+)?(,\d+(-\d+)?)*$")]
    private static partial Regex CpuList();
}
