using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class CgroupV1DriverTests
{
    private const string Pod = "/kubepods/burstable/pod1234";

    [Fact]
    public void Discovers_each_hierarchy_once_with_symlinked_co_mounts_merged()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);

        Assert.Equal(1, driver.Version);
        Assert.Equal(FakeCgroupTree.V1Hierarchies, driver.Hierarchies.Select(h => h.Name));
        var cpu = Assert.Single(driver.Hierarchies, h => h.Has("cpu"));
        Assert.Equal(["cpu", "cpuacct"], cpu.Controllers);
        Assert.Same(cpu, Assert.Single(driver.Hierarchies, h => h.Has("cpuacct")));
        Assert.True(Assert.Single(driver.Hierarchies, h => h.IsUnified).Name == "unified");
    }

    [Fact]
    public void Create_makes_the_cgroup_on_every_hierarchy_including_systemd_and_unified()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);

        driver.Create(Pod);
        driver.Create(Pod);

        foreach (var hierarchy in FakeCgroupTree.V1Hierarchies)
        {
            Assert.True(Directory.Exists(tree.Path(hierarchy, "kubepods", "burstable", "pod1234")), hierarchy);
        }

        Assert.True(Directory.Exists(tree.Path("cpu", "kubepods", "burstable", "pod1234")));
        Assert.Equal(FakeCgroupTree.V1Hierarchies.Select(h => tree.Path(h) + Pod), driver.Directories(Pod));
        Assert.True(driver.Exists(Pod));
        Assert.False(driver.Exists("/kubepods/besteffort"));
    }

    [Fact]
    public void Create_copies_cpuset_cpus_and_mems_from_the_parent_into_each_new_level()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);

        driver.Create(Pod);

        foreach (var level in new[] { "/kubepods", "/kubepods/burstable", Pod })
        {
            Assert.Equal("0-3", tree.Text("cpuset" + level, "cpuset.cpus"));
            Assert.Equal("0", tree.Text("cpuset" + level, "cpuset.mems"));
        }

        Assert.False(File.Exists(tree.Path("memory", "kubepods", "cpuset.cpus")));
    }

    [Fact]
    public void Create_leaves_an_existing_cpuset_level_alone()
    {
        using var tree = FakeCgroupTree.V1();
        Directory.CreateDirectory(tree.Path("cpuset", "kubepods"));
        File.WriteAllText(tree.Path("cpuset", "kubepods", "cpuset.cpus"), "1");
        File.WriteAllText(tree.Path("cpuset", "kubepods", "cpuset.mems"), "0");
        var driver = new CgroupV1Driver(tree.Root);

        driver.Create("/kubepods/guaranteed");

        Assert.Equal("1", tree.Text("cpuset", "kubepods", "cpuset.cpus"));
        Assert.Equal("1", tree.Text("cpuset", "kubepods", "guaranteed", "cpuset.cpus"));
    }

    [Fact]
    public void Apply_writes_exact_values_and_reads_them_back()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: 512, CpuQuota: 50000, CpuPeriod: 100000, MemoryLimit: 268435456, PidsLimit: 100));

        Assert.Equal("512", tree.Text("cpu,cpuacct" + Pod, "cpu.shares"));
        Assert.Equal("100000", tree.Text("cpu,cpuacct" + Pod, "cpu.cfs_period_us"));
        Assert.Equal("50000", tree.Text("cpu,cpuacct" + Pod, "cpu.cfs_quota_us"));
        Assert.Equal("268435456", tree.Text("memory" + Pod, "memory.limit_in_bytes"));
        Assert.Equal("100", tree.Text("pids" + Pod, "pids.max"));
        Assert.Equal(new CgroupValues(512, 50000, 100000, 268435456, 100), driver.Read(Pod));
        Assert.Equal("268435456", driver.ReadFile(Pod, "memory", "memory.limit_in_bytes"));
        Assert.Equal("268435456", driver.ReadFile(Pod, null, "memory.limit_in_bytes"));
        Assert.Null(driver.ReadFile(Pod, "blkio", "blkio.weight"));
    }

    [Fact]
    public void Apply_writes_unset_limits_as_unlimited_and_leaves_unset_shares_and_period()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);
        driver.Apply(Pod, new CgroupValues(CpuShares: 512, CpuQuota: 50000, CpuPeriod: 100000, MemoryLimit: 268435456, PidsLimit: 100));

        driver.Apply(Pod, new CgroupValues());

        Assert.Equal("512", tree.Text("cpu" + Pod, "cpu.shares"));
        Assert.Equal("100000", tree.Text("cpu" + Pod, "cpu.cfs_period_us"));
        Assert.Equal("-1", tree.Text("cpu" + Pod, "cpu.cfs_quota_us"));
        Assert.Equal("-1", tree.Text("memory" + Pod, "memory.limit_in_bytes"));
        Assert.Equal("max", tree.Text("pids" + Pod, "pids.max"));
        Assert.Equal(new CgroupValues(CpuShares: 512, CpuPeriod: 100000), driver.Read(Pod));
    }

    [Fact]
    public void Apply_writes_nothing_to_systemd_or_unified()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: 2, MemoryLimit: 1 << 20, PidsLimit: 10));

        Assert.Empty(Directory.EnumerateFiles(tree.Path("systemd" + Pod)));
        Assert.Empty(Directory.EnumerateFiles(tree.Path("unified" + Pod)));
        Assert.Empty(Directory.EnumerateFiles(tree.Path("blkio" + Pod)));
    }

    [Fact]
    public void Processes_unions_every_hierarchy_and_descendant()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod + "/container");
        File.WriteAllText(tree.Path("memory" + Pod, "cgroup.procs"), "10\n11\n");
        File.WriteAllText(tree.Path("cpu" + Pod + "/container", "cgroup.procs"), "11\n12\n");
        File.WriteAllText(tree.Path("unified" + Pod, "cgroup.procs"), "13\n");

        Assert.Equal([10, 11, 12, 13], driver.Processes(Pod));
        Assert.Equal([10, 11, 12, 13], driver.Processes("/kubepods"));
        Assert.Empty(driver.Processes("/kubepods/besteffort"));
    }

    [Fact]
    public void Remove_deletes_descendants_deepest_first_on_every_hierarchy()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod + "/a/b");
        driver.Create(Pod + "/c");
        driver.Create("/kubepods/burstable/other");
        tree.DropControlFiles();

        driver.Remove(Pod);

        foreach (var hierarchy in FakeCgroupTree.V1Hierarchies)
        {
            Assert.False(Directory.Exists(tree.Path(hierarchy + Pod)), hierarchy);
            Assert.True(Directory.Exists(tree.Path(hierarchy, "kubepods", "burstable", "other")), hierarchy);
        }

        Assert.False(driver.Exists(Pod));
    }

    [Fact]
    public void Remove_of_an_absent_cgroup_does_nothing()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);

        driver.Remove("/kubepods/burstable/pod-never-made");
    }

    [Fact]
    public void Remove_names_the_directory_that_could_not_go_and_still_clears_the_other_hierarchies()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);
        tree.DropControlFiles();
        File.WriteAllText(tree.Path("memory" + Pod, "stuck"), "");

        var error = Assert.Throws<CgroupException>(() => driver.Remove("/kubepods"));

        Assert.Contains(tree.Path("memory" + Pod), error.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(tree.Path("memory" + Pod)));
        Assert.False(Directory.Exists(tree.Path("pids", "kubepods")));
    }

    [Fact]
    public void Apply_fails_for_a_value_whose_controller_is_not_mounted()
    {
        using var tree = FakeCgroupTree.V1();
        Directory.Delete(tree.Path("pids"));
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: 2));
        var error = Assert.Throws<CgroupException>(() => driver.Apply(Pod, new CgroupValues(PidsLimit: 5)));

        Assert.Contains("pids", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_host_discovery_keeps_only_cgroup_mounts_and_reads_controllers_from_their_options()
    {
        using var tree = FakeCgroupTree.V1();
        Directory.CreateDirectory(tree.Path("stray"));
        var mounts = MountInfo.Parse(string.Join('\n', FakeCgroupTree.V1Hierarchies.Select((h, i) => h switch
        {
            "unified" => $"{40 + i} 31 0:{40 + i} / {tree.Path(h)} rw,relatime - cgroup2 cgroup2 rw",
            "systemd" => $"{40 + i} 31 0:{40 + i} / {tree.Path(h)} rw,relatime - cgroup cgroup rw,xattr,name=systemd",
            _ => $"{40 + i} 31 0:{40 + i} / {tree.Path(h)} rw,relatime shared:9 - cgroup cgroup rw,{h}",
        })));

        var driver = new CgroupV1Driver(tree.Root, mounts);

        Assert.Equal(FakeCgroupTree.V1Hierarchies, driver.Hierarchies.Select(h => h.Name));
        Assert.True(driver.Hierarchies.Single(h => h.Name == "systemd").Has("name=systemd"));
        Assert.Empty(driver.Hierarchies.Single(h => h.Name == "unified").Controllers);
    }
}
