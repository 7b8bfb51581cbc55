using Berth.Core.Planning;
using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class CgroupV2DriverTests
{
    private const string Pod = "/kubepods/burstable/pod1234";

    [Fact]
    public void Create_enables_cpu_memory_and_pids_in_each_ancestor_as_far_as_it_has_them()
    {
        using var tree = FakeCgroupTree.V2();
        Directory.CreateDirectory(tree.Path("kubepods"));
        File.WriteAllText(tree.Path("kubepods", "cgroup.controllers"), "cpu memory\n");
        var driver = new CgroupV2Driver(tree.Root);

        driver.Create(Pod);

        Assert.Equal(2, driver.Version);
        Assert.True(Directory.Exists(tree.Path(Pod)));
        Assert.Equal("+cpu +memory +pids", tree.Text("cgroup.subtree_control"));
        Assert.Equal("+cpu +memory", tree.Text("kubepods", "cgroup.subtree_control"));
        // No cgroup.controllers (nothing available) in the new level; the leaf enables nothing.
        Assert.False(File.Exists(tree.Path("kubepods", "burstable", "cgroup.subtree_control")));
        Assert.False(File.Exists(tree.Path(Pod, "cgroup.subtree_control")));
        Assert.Equal([tree.Path(Pod)], driver.Directories(Pod));
        Assert.True(driver.Exists(Pod));
    }

    [Fact]
    public void Create_enables_only_what_is_missing_and_skips_controllers_the_parent_lacks()
    {
        using var tree = FakeCgroupTree.V2(rootControllers: "cpuset memory pids");
        File.WriteAllText(tree.Path("cgroup.subtree_control"), "memory\n");
        var driver = new CgroupV2Driver(tree.Root);

        driver.Create("/pod");

        Assert.Equal("+pids", tree.Text("cgroup.subtree_control"));
    }

    [Fact]
    public void Create_writes_nothing_when_everything_is_enabled()
    {
        using var tree = FakeCgroupTree.V2();
        File.WriteAllText(tree.Path("cgroup.subtree_control"), "cpu memory pids\n");
        var driver = new CgroupV2Driver(tree.Root);

        driver.Create("/pod");
        driver.Create("/pod");

        Assert.Equal("cpu memory pids\n", tree.Text("cgroup.subtree_control"));
    }

    [Theory]
    [InlineData(2, "1")]
    [InlineData(1024, "39")]
    [InlineData(262144, "10000")]
    public void Apply_converts_shares_to_weight_with_the_kubelet_formula(long shares, string weight)
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: shares));

        Assert.Equal(weight, tree.Text(Pod, "cpu.weight"));
    }

    [Theory]
    [InlineData(2, "1")]
    [InlineData(1024, "100")]
    [InlineData(262144, "10000")]
    public void Apply_converts_with_the_quadratic_formula_for_a_runc_that_uses_it(long shares, string weight)
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root, CpuWeightFormula.Quadratic);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: shares));

        Assert.Equal(weight, tree.Text(Pod, "cpu.weight"));
    }

    [Fact]
    public void Apply_writes_exact_values()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(CpuShares: 512, CpuQuota: 50000, CpuPeriod: 200000, MemoryLimit: 268435456, PidsLimit: 100));

        Assert.Equal("20", tree.Text(Pod, "cpu.weight"));
        Assert.Equal("50000 200000", tree.Text(Pod, "cpu.max"));
        Assert.Equal("268435456", tree.Text(Pod, "memory.max"));
        Assert.Equal("100", tree.Text(Pod, "pids.max"));
        Assert.Equal(new CgroupValues(CpuQuota: 50000, CpuPeriod: 200000, MemoryLimit: 268435456, PidsLimit: 100), driver.Read(Pod));
        Assert.Equal("20", driver.ReadFile(Pod, null, "cpu.weight"));
    }

    [Fact]
    public void Apply_writes_memory_qos_and_clears_it_when_the_values_are_gone()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);

        driver.Apply(Pod, new CgroupValues(MemoryLimit: 1 << 30) { MemoryMin = 1 << 20, MemoryLow = 2 << 20, MemoryHigh = 3 << 20 });

        Assert.Equal("1048576", tree.Text(Pod, "memory.min"));
        Assert.Equal("2097152", tree.Text(Pod, "memory.low"));
        Assert.Equal("3145728", tree.Text(Pod, "memory.high"));
        Assert.Equal(2 << 20, driver.Read(Pod).MemoryLow);

        driver.Apply(Pod, new CgroupValues(MemoryLimit: 1 << 30));

        Assert.Equal("0", tree.Text(Pod, "memory.min"));
        Assert.Equal("0", tree.Text(Pod, "memory.low"));
        Assert.Equal("max", tree.Text(Pod, "memory.high"));
    }

    [Fact]
    public void Apply_writes_unset_limits_as_max_with_the_default_period()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);
        driver.Apply(Pod, new CgroupValues(CpuShares: 512, CpuQuota: 50000, MemoryLimit: 1 << 20, PidsLimit: 5));

        driver.Apply(Pod, new CgroupValues());

        Assert.Equal("20", tree.Text(Pod, "cpu.weight"));
        Assert.Equal("max 100000", tree.Text(Pod, "cpu.max"));
        Assert.Equal("max", tree.Text(Pod, "memory.max"));
        Assert.Equal("max", tree.Text(Pod, "pids.max"));
        Assert.Equal(new CgroupValues(CpuPeriod: 100000), driver.Read(Pod));
    }

    [Fact]
    public void Processes_includes_descendants()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod + "/c1");
        File.WriteAllText(tree.Path(Pod, "cgroup.procs"), "");
        File.WriteAllText(tree.Path(Pod + "/c1", "cgroup.procs"), "42\n7\n");

        Assert.Equal([7, 42], driver.Processes("/kubepods"));
    }

    [Fact]
    public void Remove_deletes_descendants_deepest_first_and_ignores_absent_cgroups()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod + "/c1/x");
        driver.Create(Pod + "/c2");
        tree.DropControlFiles();

        driver.Remove(Pod);
        driver.Remove(Pod);

        Assert.False(Directory.Exists(tree.Path(Pod)));
        Assert.True(Directory.Exists(tree.Path("kubepods", "burstable")));
    }

    [Fact]
    public void Remove_names_the_directory_that_could_not_go()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create(Pod);
        tree.DropControlFiles();
        File.WriteAllText(tree.Path(Pod, "stuck"), "");

        var error = Assert.Throws<CgroupException>(() => driver.Remove("/kubepods"));

        Assert.Contains(tree.Path(Pod), error.Message, StringComparison.Ordinal);
    }
}
