using System.Globalization;
using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

/// <summary>The v2 driver on this hybrid host's real cgroup2 mount, which has no cpu, memory or
/// pids controller: Create must make the tree without enabling anything.</summary>
public sealed class CgroupV2DriverHostTests : IDisposable
{
    private readonly Children children = new();
    private readonly string top = Host.UniqueCgroup();
    private CgroupV2Driver? driver;

    [Fact]
    public void Create_attach_and_remove_on_the_real_unified_mount()
    {
        var unified = Host.RequireUnified();
        driver = new CgroupV2Driver(unified);
        var pod = top + "/kubepods/pod1";
        var subtreeBefore = File.ReadAllText(Path.Join(unified, "cgroup.subtree_control"));

        driver.Create(pod);

        Assert.True(driver.Exists(pod));
        Assert.Equal(subtreeBefore, File.ReadAllText(Path.Join(unified, "cgroup.subtree_control")));
        var sleeper = children.Start("sleep", "30");
        File.WriteAllText(Path.Join(driver.Directories(pod)[0], "cgroup.procs"), sleeper.Id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal([sleeper.Id], driver.Processes(top));

        var busy = Assert.Throws<CgroupException>(() => driver.Remove(top));
        Assert.Contains(driver.Directories(pod)[0], busy.Message, StringComparison.Ordinal);

        Children.Stop(sleeper);
        driver.Remove(top);

        Assert.False(Directory.Exists(driver.Directories(top)[0]));
    }

    public void Dispose()
    {
        children.Dispose();
        driver?.Remove(top);
    }
}
