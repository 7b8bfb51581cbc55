using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class CgroupPathTests
{
    public static TheoryData<string> Invalid =>
    [
        "",
        "kubepods",
        "/",
        "/kubepods/",
        "//kubepods",
        "/kubepods//pod",
        "/kubepods/./pod",
        "/kubepods/../../etc",
        "/..",
        "/../outside",
        "/kubepods/pod\0x",
    ];

    [Theory]
    [MemberData(nameof(Invalid))]
    public void V1_rejects_paths_that_are_not_plain_absolute_cgroup_paths(string path)
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);

        foreach (var call in Calls(driver, path))
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Contains($"'{path}'", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(FakeCgroupTree.V1Hierarchies.Length + 2, Directory.EnumerateFileSystemEntries(tree.Root).Count());
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void V2_rejects_paths_that_are_not_plain_absolute_cgroup_paths(string path)
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);

        foreach (var call in Calls(driver, path))
        {
            Assert.Throws<ArgumentException>(call);
        }

        Assert.Equal("", tree.Text("cgroup.subtree_control"));
    }

    [Fact]
    public void A_symlink_inside_the_hierarchy_cannot_lead_outside_it()
    {
        using var tree = FakeCgroupTree.V2();
        using var outside = new TempDirectory();
        Directory.CreateSymbolicLink(tree.Path("escape"), outside.Path);
        var driver = new CgroupV2Driver(tree.Root);

        var error = Assert.Throws<ArgumentException>(() => driver.Create("/escape/pod"));

        Assert.Contains("/escape/pod", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path));
    }

    [Theory]
    [InlineData("../cpu.shares")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Control_file_names_are_one_plain_component(string file)
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create("/pod");

        Assert.Throws<ArgumentException>(() => driver.ReadFile("/pod", null, file));
    }

    [Fact]
    public void The_root_cgroup_may_be_read_for_the_nodes_figures_but_nothing_else()
    {
        using var v1 = FakeCgroupTree.V1();
        using var v2 = FakeCgroupTree.V2();
        File.WriteAllText(Path.Combine(v1.Root, "memory", "memory.usage_in_bytes"), "4096\n");
        File.WriteAllText(Path.Combine(v2.Root, "cpu.stat"), "usage_usec 7\n");
        var drivers = new ICgroupDriver[] { new CgroupV1Driver(v1.Root), new CgroupV2Driver(v2.Root) };

        Assert.Equal("4096", drivers[0].ReadFile("/", "memory", "memory.usage_in_bytes"));
        Assert.Equal("usage_usec 7", drivers[1].ReadFile("/", null, "cpu.stat"));
        foreach (var driver in drivers)
        {
            Assert.All(Calls(driver, "/"), call => Assert.Throws<ArgumentException>(call));
        }
    }

    private static Action[] Calls(ICgroupDriver driver, string path) =>
    [
        () => driver.Create(path),
        () => driver.Apply(path, new CgroupValues(CpuShares: 2)),
        () => driver.Exists(path),
        () => driver.Read(path),
        .. path == "/" ? Array.Empty<Action>() : [() => driver.ReadFile(path, "memory", "memory.max")],
        () => driver.Processes(path),
        () => driver.Remove(path),
        () => driver.Directories(path),
    ];
}
