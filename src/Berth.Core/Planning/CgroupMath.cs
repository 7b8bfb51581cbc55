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
    /// cgroup v2 cpu.weight from cpu.shares, in the formula of the runc that writes the
    /// container cgroups, so pod, QoS and container cgroups agree. <see cref="CpuWeightFormula"/>
    /// names both: the linear one (pkg/kubelet/cm/cgroup_manager_linux.go CpuSharesToCpuWeight,
    /// runc up to 1.3.1 and Debian 12's 1.1.5) and the quadratic one of opencontainers/cgroups
    /// 0.0.4, used from runc 1.3.2.
    /// </summary>
    public static long SharesToWeight(long shares, CpuWeightFormula formula = CpuWeightFormula.Linear) =>
        formula == CpuWeightFormula.Quadratic ? SharesToWeightQuadratic(shares) : 1 + ((shares - 2) * 9999 / 262142);

    /// <summary>
    /// opencontainers/cgroups ConvertCPUSharesToCgroupV2Value (0.0.4): a quadratic in log2(shares)
    /// through the ends and the default, so 1024 shares (one cpu, cgroup v1's default) map to
    /// weight 100 (cgroup v2's default) instead of the linear formula's 39:
    /// 10^((l² + 125·l)/612 − 7/34), rounded up, with l = log2(shares); ≤2 → 1, ≥262144 → 10000.
    /// </summary>
    private static long SharesToWeightQuadratic(long shares)
    {
        if (shares <= MinShares)
        {
            return 1;
        }

        if (shares >= MaxShares)
        {
            return 10000;
        }

        var l = Math.Log2(shares);
        var exponent = ((l * l) + (125 * l)) / 612.0 - (7.0 / 34.0);
        return (long)Math.Ceiling(Math.Pow(10, exponent));
    }

    /// <summary>The formula the runc of version <paramref name="runcVersion"/> converts with; an
    /// unknown version is taken to be an old one (linear), as Debian 12 ships.</summary>
    public static CpuWeightFormula WeightFormulaOf(Version? runcVersion) =>
        runcVersion is not null && runcVersion >= new Version(1, 3, 2) ? CpuWeightFormula.Quadratic : CpuWeightFormula.Linear;
}

/// <summary>How cpu.shares become cgroup v2's cpu.weight.</summary>
public enum CpuWeightFormula
{
    /// <summary>1 + ((shares − 2)·9999)/262142: the kubelet's and runc's before 1.3.2.</summary>
    Linear,

    /// <summary>opencontainers/cgroups 0.0.4 (runc ≥ 1.3.2): 1024 shares → 100.</summary>
    Quadratic,
}
