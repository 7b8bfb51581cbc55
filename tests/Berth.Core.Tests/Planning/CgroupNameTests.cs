using Berth.Core.Planning;

namespace Berth.Core.Tests.Planning;

public class CgroupNameTests
{
    private const string Uid = "1f2e-3d4c";

    [Theory]
    [InlineData(QosClass.Guaranteed, "/kubepods/pod1f2e-3d4c")]
    [InlineData(QosClass.Burstable, "/kubepods/burstable/pod1f2e-3d4c")]
    [InlineData(QosClass.BestEffort, "/kubepods/besteffort/pod1f2e-3d4c")]
    public void Cgroupfs_names(QosClass qos, string expected) =>
        Assert.Equal(expected, CgroupName.ForPod(CgroupName.Root("/", CgroupDriver.Cgroupfs), qos, Uid).ToCgroupfs());

    [Theory]
    [InlineData(QosClass.Guaranteed, "/kubepods.slice/kubepods-pod1f2e_3d4c.slice")]
    [InlineData(QosClass.Burstable, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e_3d4c.slice")]
    [InlineData(QosClass.BestEffort, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e_3d4c.slice")]
    public void Systemd_names_escape_dashes(QosClass qos, string expected) =>
        Assert.Equal(expected, CgroupName.ForPod(CgroupName.Root("/", CgroupDriver.Systemd), qos, Uid).ToSystemd());

    [Fact]
    public void Custom_cgroupfs_root_prefixes_the_tree() =>
        Assert.Equal("/berth-test/nodes/kubepods/burstable/podx", CgroupName.ForPod(CgroupName.Root("/berth-test/nodes/", CgroupDriver.Cgroupfs), QosClass.Burstable, "x").ToCgroupfs());

    [Fact]
    public void Custom_systemd_root_slice_prefixes_every_slice() =>
        Assert.Equal("/berth.slice/berth-kubepods.slice/berth-kubepods-besteffort.slice/berth-kubepods-besteffort-podx.slice",
            CgroupName.ForPod(CgroupName.Root("berth.slice", CgroupDriver.Systemd), QosClass.BestEffort, "x").ToSystemd());

    [Fact]
    public void Qos_cgroups() =>
        Assert.Equal("/kubepods/burstable", CgroupName.ForQos(CgroupName.Root("/", CgroupDriver.Cgroupfs), QosClass.Burstable).ToCgroupfs());
}
