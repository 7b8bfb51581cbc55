using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class CgroupDriversTests
{
    [Fact]
    public void A_unified_mount_gets_the_v2_driver()
    {
        using var tree = FakeCgroupTree.V2();

        Assert.IsType<CgroupV2Driver>(CgroupDrivers.ForHost(tree.Root));
    }

    [Fact]
    public void Controller_directories_get_the_v1_driver()
    {
        using var tree = FakeCgroupTree.V1();

        var driver = Assert.IsType<CgroupV1Driver>(CgroupDrivers.ForHost(tree.Root));
        Assert.Equal(tree.Root, driver.MountPoint);
    }

    [Fact]
    public void This_host_gets_the_driver_for_its_cgroup_version()
    {
        Host.RequireRoot();

        Assert.Equal(HostFacts.CgroupVersion(), CgroupDrivers.ForHost().Version);
    }
}
