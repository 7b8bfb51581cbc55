namespace Berth.Linux.Tests;

public class HostFactsTests
{
    [Fact]
    public void MemoryInUse_is_total_minus_free_and_the_working_set_leaves_inactive_file_out()
    {
        using var dir = new TempDirectory();
        var meminfo = Path.Combine(dir.Path, "meminfo");
        File.WriteAllText(meminfo, """
            MemTotal:       16000000 kB
            MemFree:         6000000 kB
            MemAvailable:    9000000 kB
            Inactive(anon):   100000 kB
            Inactive(file):  2500000 kB
            HugePages_Total:       0
            """);

        var (usage, workingSet) = HostFacts.MemoryInUse(meminfo);

        Assert.Equal(10_000_000UL * 1024, usage);
        Assert.Equal(7_500_000UL * 1024, workingSet);
    }

    [Fact]
    public void MemoryInUse_clamps_the_working_set_at_zero()
    {
        using var dir = new TempDirectory();
        var meminfo = Path.Combine(dir.Path, "meminfo");
        File.WriteAllText(meminfo, "MemTotal: 100 kB\nMemFree: 90 kB\nInactive(file): 50 kB\n");

        Assert.Equal((10UL * 1024, 0UL), HostFacts.MemoryInUse(meminfo));
    }
}
