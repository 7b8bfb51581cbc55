using Berth.Core.Capacity;
using Berth.Core.Eviction;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class EvictionRankingTests
{
    private static PodUsage Pod(string name, int priority = 0) => new($"uid-{name}", "default", name) { Priority = priority };

    private static PodUsage Memory(string name, long requestMi, long usageMi, int priority = 0) =>
        Pod(name, priority) with { MemoryRequest = requestMi * Mi, MemoryWorkingSet = usageMi * Mi };

    private static IEnumerable<string> Names(string signal, params PodUsage[] pods) => Names(signal, FilesystemLayout.Shared, pods);

    private static IEnumerable<string> Names(string signal, FilesystemLayout layout, params PodUsage[] pods) =>
        EvictionRanking.Rank(signal, layout, pods).Select(p => p.Name);

    public static TheoryData<string, PodUsage[], string[]> MemoryCases => new()
    {
        {
            "above its request beats a higher usage within request",
            [Memory("within", 1000, 900), Memory("above", 100, 200)],
            ["above", "within"]
        },
        {
            "above its request beats a lower priority within request",
            [Memory("cheap-within", 1000, 900, priority: -10), Memory("important-above", 100, 200, priority: 1000)],
            ["important-above", "cheap-within"]
        },
        {
            "both above: lower priority first even if it uses less",
            [Memory("important", 100, 900, priority: 1000), Memory("ordinary", 100, 150)],
            ["ordinary", "important"]
        },
        {
            "equal priority: the larger usage above request first",
            [Memory("small", 100, 150), Memory("big", 100, 500), Memory("middle", 200, 450)],
            ["big", "middle", "small"]
        },
        {
            "none above: priority, then usage relative to request (below request counts negative)",
            [Memory("a", 1000, 100), Memory("b", 1000, 900), Memory("c", 500, 100, priority: -5)],
            ["c", "b", "a"]
        },
        {
            "usage equal to request does not exceed it",
            [Memory("equal", 100, 100), Memory("over", 100, 101)],
            ["over", "equal"]
        },
        {
            "full ties keep the input order",
            [Memory("first", 100, 200), Memory("second", 100, 200), Memory("third", 100, 200)],
            ["first", "second", "third"]
        },
        {
            "a pod without statistics comes first",
            [Memory("measured", 0, 8000), Memory("unmeasured", 0, 0) with { HasStats = false }],
            ["unmeasured", "measured"]
        },
    };

    [Theory]
    [MemberData(nameof(MemoryCases))]
    public void Memory_pressure_order(string name, PodUsage[] pods, string[] expected)
    {
        Assert.True(expected.SequenceEqual(Names(EvictionThresholds.MemoryAvailable, pods)), $"{name}: {string.Join(",", Names(EvictionThresholds.MemoryAvailable, pods))}");
        Assert.Equal(expected, Names(EvictionThresholds.AllocatableMemoryAvailable, pods));
    }

    [Fact]
    public void Pid_pressure_ranks_priority_then_process_count()
    {
        var pods = new[]
        {
            Pod("few") with { ProcessCount = 10 },
            Pod("many") with { ProcessCount = 500 },
            Pod("important-many", priority: 100) with { ProcessCount = 9000 },
            Pod("low-few", priority: -1) with { ProcessCount = 1 },
            Pod("tie-with-few") with { ProcessCount = 10 },
        };
        Assert.Equal(["low-few", "many", "few", "tie-with-few", "important-many"], Names(EvictionThresholds.PidAvailable, pods));
    }

    private static PodUsage Disk(string name, long requestMi, long rootMi, long logsMi = 0, long volumesMi = 0, int priority = 0) =>
        Pod(name, priority) with
        {
            EphemeralStorageRequest = requestMi * Mi,
            Containers = [new ContainerUsage("c") { Rootfs = new FsUsage(rootMi * Mi, rootMi), Logs = new FsUsage(logsMi * Mi, logsMi) }],
            LocalVolumes = new FsUsage(volumesMi * Mi, volumesMi),
        };

    public static TheoryData<string, PodUsage[], string[]> DiskCases => new()
    {
        {
            "above its ephemeral-storage request first",
            [Disk("within", 1000, 900), Disk("above", 10, 20)],
            ["above", "within"]
        },
        {
            "above its request beats a lower priority within request",
            [Disk("cheap-within", 1000, 900, priority: -10), Disk("important-above", 10, 20, priority: 1000)],
            ["important-above", "cheap-within"]
        },
        {
            "then lower priority",
            [Disk("important", 10, 900, priority: 7), Disk("ordinary", 10, 20)],
            ["ordinary", "important"]
        },
        {
            "then the larger usage above request, counting rootfs, logs and local volumes",
            [Disk("rootfs", 0, 300), Disk("spread", 0, 100, logsMi: 150, volumesMi: 100), Disk("logs", 0, 0, logsMi: 200)],
            ["spread", "rootfs", "logs"]
        },
        {
            "ties keep the input order",
            [Disk("x", 0, 50), Disk("y", 0, 50)],
            ["x", "y"]
        },
    };

    [Theory]
    [MemberData(nameof(DiskCases))]
    public void Disk_pressure_order(string name, PodUsage[] pods, string[] expected) =>
        Assert.True(expected.SequenceEqual(Names(EvictionThresholds.NodeFsAvailable, pods)), $"{name}: {string.Join(",", Names(EvictionThresholds.NodeFsAvailable, pods))}");

    [Fact]
    public void With_a_dedicated_imagefs_nodefs_counts_logs_and_volumes_and_imagefs_counts_writable_layers()
    {
        var layers = Disk("layers", 0, 900);
        var logs = Disk("logs", 0, 0, logsMi: 100);
        Assert.Equal(["logs", "layers"], Names(EvictionThresholds.NodeFsAvailable, FilesystemLayout.DedicatedImageFs, layers, logs));
        Assert.Equal(["layers", "logs"], Names(EvictionThresholds.ImageFsAvailable, FilesystemLayout.DedicatedImageFs, logs, layers));
        Assert.Equal(["layers", "logs"], Names(EvictionThresholds.ContainerFsAvailable, FilesystemLayout.DedicatedImageFs, logs, layers));
    }

    [Fact]
    public void With_images_split_off_imagefs_charges_no_pod_so_priority_decides()
    {
        var layers = Disk("layers", 0, 900, priority: 5);
        var idle = Disk("idle", 0, 0);
        Assert.Equal(["idle", "layers"], Names(EvictionThresholds.ImageFsAvailable, FilesystemLayout.SplitImageFs, layers, idle));
        Assert.Equal(["layers", "idle"], Names(EvictionThresholds.NodeFsAvailable, FilesystemLayout.SplitImageFs, layers, idle));
    }

    [Fact]
    public void Inode_pressure_treats_any_inode_use_as_above_request()
    {
        var none = Disk("none", 0, 0);
        var some = Disk("some", 1000, 5); // 5 inodes, well within its byte request
        Assert.Equal(["some", "none"], Names(EvictionThresholds.NodeFsInodesFree, none, some));
    }
}
