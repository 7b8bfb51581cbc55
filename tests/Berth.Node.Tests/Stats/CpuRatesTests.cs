using Berth.Node.Stats;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Stats;

public class CpuRatesTests
{
    [Theory]
    [InlineData(1_000_000_000UL, 3_000_000_000UL, 10, 200_000_000UL)] // 2 s of CPU in 10 s: 0.2 cores
    [InlineData(0UL, 20_000_000_000UL, 10, 2_000_000_000UL)] // two whole cores
    [InlineData(5UL, 5UL, 10, 0UL)]
    public void NanoCores_is_cpu_time_over_wall_time(ulong before, ulong after, int seconds, ulong expected)
    {
        var previous = Usage(Now, before, 1);
        var current = Usage(Now.AddSeconds(seconds), after, 1);

        Assert.Equal(expected, CpuRates.NanoCores(previous, current));
    }

    [Fact]
    public void NanoCores_is_null_on_a_counter_reset_no_elapsed_time_or_a_missing_reading()
    {
        Assert.Null(CpuRates.NanoCores(Usage(Now, 10, 1), Usage(Now.AddSeconds(1), 5, 1)));
        Assert.Null(CpuRates.NanoCores(Usage(Now, 10, 1), Usage(Now, 20, 1)));
        Assert.Null(CpuRates.NanoCores(null, Usage(Now, 20, 1)));
        Assert.Null(CpuRates.NanoCores(Usage(Now, 10, 1) with { CpuNanoseconds = null }, Usage(Now, 20, 1)));
    }

    [Fact]
    public void Between_two_snapshots_rates_node_pods_containers_and_system_containers()
    {
        var previous = Build(Now, podCpu: 4_000_000_000, containerCpu: 3_000_000_000, nodeCpu: 90_000_000_000);
        var current = Build(Now.AddSeconds(10), podCpu: 9_000_000_000, containerCpu: 4_000_000_000, nodeCpu: 110_000_000_000);

        var rates = CpuRates.Between(previous, current);

        Assert.Equal(2_000_000_000UL, rates.Node);
        Assert.Equal(500_000_000UL, rates.Pods[PodUid]);
        Assert.Equal(100_000_000UL, rates.Containers[ContainerId]);
        Assert.Equal(0UL, rates.SystemContainers["kubelet"]);
    }

    [Fact]
    public void Without_a_previous_pass_there_are_no_rates()
    {
        var rates = CpuRates.Between(null, Build());

        Assert.Null(rates.Node);
        Assert.Empty(rates.Pods);
        Assert.Empty(rates.Containers);
    }
}
