namespace Berth.Linux.Tests.Cgroups;

/// <summary>
/// A plain directory laid out like a hybrid host's /sys/fs/cgroup: "cpu,cpuacct" co-mounted
/// with "cpu" and "cpuacct" symlinked to it, the other controllers, name=systemd and an empty
/// cgroup2 "unified". Only files a test reads are present, since the drivers create the ones
/// they write.
/// </summary>
internal sealed class FakeCgroupTree : IDisposable
{
    public static readonly string[] V1Hierarchies = ["blkio", "cpu,cpuacct", "cpuset", "memory", "pids", "systemd", "unified"];

    private readonly TempDirectory directory = new();
    private readonly List<string> hierarchyRoots = [];

    public string Root => directory.Path;

    public static FakeCgroupTree V1()
    {
        var tree = new FakeCgroupTree();
        foreach (var hierarchy in V1Hierarchies)
        {
            tree.hierarchyRoots.Add(tree.directory.CreateDirectory(hierarchy));
        }

        File.CreateSymbolicLink(tree.Path("cpu"), "cpu,cpuacct");
        File.CreateSymbolicLink(tree.Path("cpuacct"), "cpu,cpuacct");
        File.WriteAllText(tree.Path("cpuset", "cpuset.cpus"), "0-3\n");
        File.WriteAllText(tree.Path("cpuset", "cpuset.mems"), "0\n");
        return tree;
    }

    public static FakeCgroupTree V2(string rootControllers = "cpuset cpu io memory hugetlb pids rdma misc")
    {
        var tree = new FakeCgroupTree();
        tree.hierarchyRoots.Add(tree.Root);
        File.WriteAllText(tree.Path("cgroup.controllers"), rootControllers + "\n");
        File.WriteAllText(tree.Path("cgroup.subtree_control"), "");
        return tree;
    }

    public string Path(params string[] parts) => directory.Combine(parts);

    public string Text(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>
    /// Deletes the regular files below the hierarchy roots. On cgroupfs the control files go
    /// away with their directory; on this fake tree they would keep rmdir from succeeding.
    /// </summary>
    public void DropControlFiles()
    {
        foreach (var root in hierarchyRoots)
        {
            foreach (var cgroup in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            {
                foreach (var file in Directory.EnumerateFiles(cgroup))
                {
                    File.Delete(file);
                }
            }
        }
    }

    public void Dispose() => directory.Dispose();
}
