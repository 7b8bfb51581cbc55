namespace Berth.Core.Planning;

/// <summary>
/// The kubelet's conversions from Kubernetes cpu to cgroup values. Each formula lives here once.
/// </summary>
public static class CgroupMath
{
    // pkg/kubelet/cm/helpers_linux.go constants.
    public const long MinShares = 2;
    public const long MaxShares = 262144;
    public const long SharesPerCpu = 1024;
    public const long MilliCpuPerCpu = 1000;
    public const long QuotaPeriodMicros = 100000;
    public const long MinQuotaPeriodMicros = 1000;

    /// <summary>
    /// cpu.shares from millicores: pkg/kubelet/cm/helpers_linux.go MilliCPUToShares.
    /// 0 → MinShares; otherwise m*1024/1000 (integer division) clamped to [2, 262144].
    /// </summary>
    public static long MilliCpuToShares(long milliCpu)
    {
        if (milliCpu == 0)
        {
            return MinShares;
        }

        var shares = milliCpu * SharesPerCpu / MilliCpuPerCpu;
        return Math.Clamp(shares, MinShares, MaxShares);
    }

    /// <summary>
    /// CFS quota in µs for a period: pkg/kubelet/cm/helpers_linux.go MilliCPUToQuota.
    /// No limit (0) → null (unset); otherwise m*period/1000, at least 1000 µs.
    /// </summary>
    public static long? MilliCpuToQuota(long milliCpu, long periodMicros = QuotaPeriodMicros)
    {
        if (milliCpu == 0)
        {
            return null;
        }

        var quota = milliCpu * periodMicros / MilliCpuPerCpu;
        return Math.Max(quota, MinQuotaPeriodMicros);
    }

    /// <summary>
    /// cgroup v2 cpu.weight from cpu.shares: pkg/kubelet/cm/cgroup_manager_linux.go
    /// CpuSharesToCpuWeight (the same mapping runc uses): 1 + ((shares-2)*9999)/262142.
    /// </summary>
    public static long SharesToWeight(long shares) => 1 + ((shares - 2) * 9999 / 262142);
}
