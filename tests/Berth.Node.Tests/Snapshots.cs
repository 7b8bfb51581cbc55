using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Node.Stats;

namespace Berth.Node.Tests;

/// <summary>A crafted housekeeping pass: a node, one pod "web" in "shop" with one container
/// "nginx", with round numbers so expected values are easy to read.</summary>
internal static class Snapshots
{
    public const string PodUid = "9f1c2d3e-0000-4000-8000-000000000001";
    public const string PodCgroup = "/kubepods/burstable/pod9f1c2d3e-0000-4000-8000-000000000001";
    public const string ContainerId = "c0ffee0000000000000000000000000000000000000000000000000000000001";
    public const string ContainerCgroup = PodCgroup + "/" + ContainerId;

    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, 250, TimeSpan.Zero);
    public static readonly DateTimeOffset PodStart = new(2025, 3, 1, 11, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset ContainerStart = new(2025, 3, 1, 11, 0, 2, 500, TimeSpan.Zero);

    public static CgroupUsage Usage(DateTimeOffset at, ulong cpuNs, ulong workingSet) =>
        new(at, cpuNs, workingSet + 100, workingSet, 700, 40, 4, null, 9)
        {
            CpuUserNanoseconds = 2_000_000_000,
            CpuSystemNanoseconds = 500_000_000,
            CpuPeriods = 120,
            CpuThrottledPeriods = 12,
            CpuThrottledNanoseconds = 250_000_000,
            OomKills = 1,
            MemoryCache = 300,
            MemorySwap = 64,
            ContainerPageFaults = 30,
            ContainerMajorPageFaults = 3,
            ProcessCount = 2,
        };

    public static PressureStats Pressure() => new(
        new ResourcePressure(new PressureLine(1.5, 1, 0.5, 1_500_000), new PressureLine(0.5, 0.25, 0.125, 250_000)),
        new ResourcePressure(new PressureLine(0, 0, 0, 2_000_000), new PressureLine(0, 0, 0, 1_000_000)),
        new ResourcePressure(new PressureLine(0, 0, 0, 3_000_000), null));

    public static StatsSnapshot Build(DateTimeOffset? at = null, ulong podCpu = 4_000_000_000, ulong containerCpu = 3_000_000_000, ulong nodeCpu = 90_000_000_000)
    {
        var now = at ?? Now;
        var eth0 = new InterfaceStats("eth0", 1000, 10, 1, 2, 500, 5, 3, 4);
        var container = new ContainerSample(
            ContainerId,
            "nginx",
            "docker.io/library/nginx:1.27",
            ContainerCgroup,
            ContainerStart,
            Usage(now, containerCpu, 5_000_000),
            Pressure(),
            new ContainerLimits(CpuShares: 512, CpuQuota: 50_000, CpuPeriod: 100_000, MemoryLimit: 134_217_728),
            new FilesystemSample(now, UsedBytes: 8192, InodesUsed: 12, Device: "/dev/sda1"),
            new FilesystemSample(now, UsedBytes: 4096, InodesUsed: 2),
            Restarts: 1);
        var pod = new PodSample(
            PodUid,
            "shop",
            "web",
            PodCgroup,
            PodStart,
            Usage(now, podCpu, 6_000_000),
            Pressure(),
            [eth0],
            [new VolumeSample("data", new FilesystemSample(now, UsedBytes: 1024, InodesUsed: 3))],
            new FilesystemSample(now, UsedBytes: 13312, InodesUsed: 17),
            [container]);
        var node = new NodeSample(
            "node-a",
            new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
            Usage(now, nodeCpu, 2_000_000_000),
            Pressure(),
            MemoryCapacity: 8_000_000_000,
            Network: [eth0 with { Name = "ens3" }],
            NodeFs: new FilesystemSample(now, CapacityBytes: 100_000, AvailableBytes: 60_000, UsedBytes: 40_000, Inodes: 1000, InodesFree: 900, InodesUsed: 100),
            ImageFs: new FilesystemSample(now, CapacityBytes: 100_000, AvailableBytes: 60_000, UsedBytes: 20_000, Inodes: 1000, InodesFree: 900, InodesUsed: 50),
            MaxPid: 4_194_304,
            ProcessCount: 321)
        {
            SystemContainers = [new SystemContainerSample("kubelet", "/system.slice/berth.service", new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), Usage(now, 7_000_000_000, 50_000_000), null)],
        };
        return new StatsSnapshot(now, node, [pod]);
    }
}
