using Berth.Core.Planning;

namespace Berth.Core.Tests.Planning;

public class CgroupMathTests
{
    [Theory]
    [InlineData(0, 2)] // no request → MinShares
    [InlineData(1, 2)] // 1*1024/1000 = 1 → clamped to 2
    [InlineData(2, 2)]
    [InlineData(10, 10)]
    [InlineData(100, 102)]
    [InlineData(999, 1022)]
    [InlineData(1000, 1024)]
    [InlineData(256000, 262144)] // exactly the cap
    [InlineData(300000, 262144)] // clamped
    public void MilliCpuToShares(long milli, long shares) => Assert.Equal(shares, CgroupMath.MilliCpuToShares(milli));

    [Theory]
    [InlineData(0, null)] // no limit → unset
    [InlineData(1, 1000L)] // 100 µs raised to the 1000 µs minimum
    [InlineData(10, 1000L)]
    [InlineData(11, 1100L)]
    [InlineData(999, 99900L)]
    [InlineData(1000, 100000L)]
    [InlineData(2500, 250000L)]
    public void MilliCpuToQuota(long milli, long? quota) => Assert.Equal(quota, CgroupMath.MilliCpuToQuota(milli));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1024, 39)]
    [InlineData(262144, 10000)]
    [InlineData(102, 4)]
    public void SharesToWeight(long shares, long weight) => Assert.Equal(weight, CgroupMath.SharesToWeight(shares));

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(102, 17)]
    [InlineData(1024, 100)] // one cpu is the default weight, unlike the linear 39
    [InlineData(2048, 174)]
    [InlineData(262143, 10000)]
    [InlineData(262144, 10000)]
    public void SharesToWeight_quadratic(long shares, long weight) =>
        Assert.Equal(weight, CgroupMath.SharesToWeight(shares, CpuWeightFormula.Quadratic));

    [Theory]
    [InlineData(null, CpuWeightFormula.Linear)]
    [InlineData("1.1.5", CpuWeightFormula.Linear)]
    [InlineData("1.3.1", CpuWeightFormula.Linear)]
    [InlineData("1.3.2", CpuWeightFormula.Quadratic)]
    [InlineData("1.4.0", CpuWeightFormula.Quadratic)]
    public void The_formula_follows_the_runc_that_writes_container_cgroups(string? version, CpuWeightFormula formula) =>
        Assert.Equal(formula, CgroupMath.WeightFormulaOf(version is null ? null : Version.Parse(version)));
}

public class QosCgroupValuesTests
{
    [Fact]
    public void Burstable_shares_sum_the_cpu_requests_of_burstable_pods()
    {
        var a = Pods.With(Pods.C("a", requests: "cpu: 250m")).Pod.Spec;
        var b = Pods.With(Pods.C("b", requests: "cpu: 750m, memory: 1Gi")).Pod.Spec;
        Assert.Equal(1024, QosCgroupValues.BurstableShares([a, b]));
        Assert.Equal(2, QosCgroupValues.BurstableShares([]));
        Assert.Equal(2, QosCgroupValues.BestEffortShares);
        Assert.Equal(2048, QosCgroupValues.KubepodsShares(2000));
    }
}
