using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class CgroupUsageTests
{
    private const string Pod = "/kubepods/burstable/pod1234";

    [Fact]
    public void V2_reads_cpu_split_throttling_oom_kills_cache_swap_and_processes()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);
        Write(tree.Path(Pod), "cpu.stat", """
            usage_usec 5000
            user_usec 3000
            system_usec 2000
            nr_periods 40
            nr_throttled 7
            throttled_usec 1500
            """);
        Write(tree.Path(Pod), "memory.current", "1000000");
        Write(tree.Path(Pod), "memory.stat", "anon 600000\nfile 300000\ninactive_file 100000\npgfault 12\npgmajfault 3\n");
        Write(tree.Path(Pod), "memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n");
        Write(tree.Path(Pod), "memory.swap.current", "4096");
        Write(tree.Path(Pod), "pids.current", "9");
        Write(tree.Path(Pod), "cgroup.procs", "10\n11\n");
        Directory.CreateDirectory(tree.Path(Pod, "c1"));
        Write(tree.Path(Pod, "c1"), "cgroup.procs", "12\n");

        var usage = CgroupUsage.Read(driver, Pod)!;

        Assert.Equal(5_000_000UL, usage.CpuNanoseconds);
        Assert.Equal(3_000_000UL, usage.CpuUserNanoseconds);
        Assert.Equal(2_000_000UL, usage.CpuSystemNanoseconds);
        Assert.Equal(40UL, usage.CpuPeriods);
        Assert.Equal(7UL, usage.CpuThrottledPeriods);
        Assert.Equal(1_500_000UL, usage.CpuThrottledNanoseconds);
        Assert.Equal(2UL, usage.OomKills);
        Assert.Equal(300_000UL, usage.MemoryCache);
        Assert.Equal(4096UL, usage.MemorySwap);
        Assert.Equal(900_000UL, usage.MemoryWorkingSet);
        Assert.Equal(12UL, usage.ContainerPageFaults);
        Assert.Equal(usage.PageFaults, usage.ContainerPageFaults);
        Assert.Equal(3UL, usage.ContainerMajorPageFaults);
        Assert.Equal(9UL, usage.Processes);
        Assert.Equal(3UL, usage.ProcessCount);
    }

    [Fact]
    public void Open_file_descriptors_are_counted_over_the_cgroups_processes_and_a_vanished_one_counts_none()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);
        Write(tree.Path(Pod), "memory.current", "1000000");
        Write(tree.Path(Pod), "cgroup.procs", "10\n11\n");
        Directory.CreateDirectory(tree.Path(Pod, "c1"));
        Write(tree.Path(Pod, "c1"), "cgroup.procs", "12\n");
        var proc = Directory.CreateTempSubdirectory("berth-proc-").FullName;
        try
        {
            foreach (var (pid, fds) in new[] { (10, 3), (11, 2) }) // 12 has ended: no /proc/12
            {
                var fd = Directory.CreateDirectory(Path.Join(proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd")).FullName;
                for (var i = 0; i < fds; i++)
                {
                    File.CreateSymbolicLink(Path.Join(fd, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "/dev/null");
                }
            }

            var usage = CgroupUsage.Read(driver, Pod, proc)!;

            Assert.Equal(3UL, usage.ProcessCount);
            Assert.Equal(5UL, usage.FileDescriptors);
        }
        finally
        {
            Directory.Delete(proc, recursive: true);
        }
    }

    [Fact]
    public void V2_leaves_missing_keys_and_files_null()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);
        Write(tree.Path(Pod), "cpu.stat", "usage_usec 5\n");

        var usage = CgroupUsage.Read(driver, Pod)!;

        Assert.Null(usage.CpuUserNanoseconds);
        Assert.Null(usage.CpuThrottledNanoseconds);
        Assert.Null(usage.OomKills);
        Assert.Null(usage.MemorySwap);
        Assert.Null(usage.MemoryCache);
    }

    [Fact]
    public void V1_converts_user_hz_ticks_and_reads_throttling_oom_and_both_fault_scopes()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);
        var cpu = tree.Path("cpu,cpuacct") + Pod;
        var memory = tree.Path("memory") + Pod;
        Write(cpu, "cpuacct.usage", "900000000");
        Write(cpu, "cpuacct.stat", "user 25\nsystem 15\n");
        Write(cpu, "cpu.stat", "nr_periods 100\nnr_throttled 20\nthrottled_time 123456789\n");
        Write(memory, "memory.usage_in_bytes", "5000");
        Write(memory, "memory.limit_in_bytes", "9223372036854771712");
        Write(memory, "memory.stat", "cache 10\npgfault 4\npgmajfault 1\ntotal_cache 2000\ntotal_rss 2500\ntotal_swap 64\ntotal_inactive_file 1000\ntotal_pgfault 40\ntotal_pgmajfault 6\n");
        Write(memory, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
        Write(tree.Path("pids") + Pod, "cgroup.procs", "7\n");

        var usage = CgroupUsage.Read(driver, Pod)!;

        Assert.Equal(250_000_000UL, usage.CpuUserNanoseconds);
        Assert.Equal(150_000_000UL, usage.CpuSystemNanoseconds);
        Assert.Equal(100UL, usage.CpuPeriods);
        Assert.Equal(20UL, usage.CpuThrottledPeriods);
        Assert.Equal(123_456_789UL, usage.CpuThrottledNanoseconds);
        Assert.Equal(5UL, usage.OomKills);
        Assert.Equal(2000UL, usage.MemoryCache);
        Assert.Equal(64UL, usage.MemorySwap);
        Assert.Equal(4000UL, usage.MemoryWorkingSet);
        Assert.Null(usage.MemoryLimit);
        Assert.Equal(40UL, usage.PageFaults);
        Assert.Equal(4UL, usage.ContainerPageFaults);
        Assert.Equal(6UL, usage.MajorPageFaults);
        Assert.Equal(1UL, usage.ContainerMajorPageFaults);
        Assert.Equal(1UL, usage.ProcessCount);
    }

    [Fact]
    public void A_cgroup_that_does_not_exist_reads_as_null()
    {
        using var tree = FakeCgroupTree.V2();

        Assert.Null(CgroupUsage.Read(new CgroupV2Driver(tree.Root), Pod));
    }

    private static void Write(string directory, string file, string text) =>
        File.WriteAllText(Path.Join(directory, file), text.Replace("\r", "", StringComparison.Ordinal) + "\n");
}
