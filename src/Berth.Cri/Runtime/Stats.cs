using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime;
using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

/// <summary>Cgroup usage, pressure (PSI) and writable-layer usage in CRI's stats messages. A value the node cannot
/// read is left unset rather than reported as zero; the timestamps are always there.</summary>
internal static class Stats
{
    public static V1.ContainerStats Container(PodRuntime runtime, ContainerRecord container)
    {
        var now = CriTime.Now();
        var usage = runtime.UsageOf(container.CgroupPath);
        var pressure = runtime.PressureOf(container.CgroupPath);
        var stats = new V1.ContainerStats
        {
            Attributes = new V1.ContainerAttributes { Id = container.Id, Metadata = Statuses.Metadata(container.Config) },
            Cpu = Cpu(usage, pressure, now),
            Memory = Memory(usage, pressure, now),
            WritableLayer = Filesystem(runtime.WritableLayerUsage(container.Id), runtime.Layout.ContainersDir, now),
            Io = Psi.Io(pressure, now),
        };
        Labels.Copy(container.Config.Labels, stats.Attributes.Labels);
        Labels.Copy(container.Config.Annotations, stats.Attributes.Annotations);
        return stats;
    }

    /// <summary>The pod's own numbers come from its cgroup parent, which holds the infra process
    /// and every container, as the kubelet's pod cgroup does.</summary>
    public static V1.PodSandboxStats Sandbox(PodRuntime runtime, SandboxRecord sandbox, IEnumerable<ContainerRecord> containers)
    {
        var now = CriTime.Now();
        var usage = runtime.UsageOf(sandbox.Config.CgroupParent);
        var pressure = runtime.PressureOf(sandbox.Config.CgroupParent);
        var stats = new V1.PodSandboxStats
        {
            Attributes = new V1.PodSandboxAttributes { Id = sandbox.Id, Metadata = Statuses.Metadata(sandbox.Config) },
            Linux = new V1.LinuxPodSandboxStats
            {
                Cpu = Cpu(usage, pressure, now),
                Memory = Memory(usage, pressure, now),
                Process = new V1.ProcessUsage { Timestamp = now, ProcessCount = Value(usage?.Processes) },
                Io = Psi.Io(pressure, now),
            },
        };
        Labels.Copy(sandbox.Config.Labels, stats.Attributes.Labels);
        Labels.Copy(sandbox.Config.Annotations, stats.Attributes.Annotations);
        foreach (var container in containers)
        {
            stats.Linux.Containers.Add(Container(runtime, container));
        }

        return stats;
    }

    public static V1.FilesystemUsage Filesystem(TreeUsage usage, string mountpoint, long now) => new()
    {
        Timestamp = now,
        FsId = new V1.FilesystemIdentifier { Mountpoint = mountpoint },
        UsedBytes = new V1.UInt64Value { Value = usage.Bytes },
        InodesUsed = new V1.UInt64Value { Value = usage.Inodes },
    };

    private static V1.CpuUsage Cpu(CgroupUsage? usage, PressureStats? pressure, long now) => new()
    {
        Timestamp = now,
        UsageCoreNanoSeconds = Value(usage?.CpuNanoseconds),
        Psi = Psi.Stats(pressure?.Cpu),
    };

    private static V1.MemoryUsage Memory(CgroupUsage? usage, PressureStats? pressure, long now) => new()
    {
        Timestamp = now,
        WorkingSetBytes = Value(usage?.MemoryWorkingSet),
        UsageBytes = Value(usage?.MemoryUsage),
        RssBytes = Value(usage?.MemoryRss),
        PageFaults = Value(usage?.PageFaults),
        MajorPageFaults = Value(usage?.MajorPageFaults),
        AvailableBytes = usage is { MemoryLimit: { } limit, MemoryWorkingSet: { } workingSet }
            ? new V1.UInt64Value { Value = limit > workingSet ? limit - workingSet : 0 }
            : null,
        Psi = Psi.Stats(pressure?.Memory),
    };

    private static V1.UInt64Value? Value(ulong? value) => value is { } v ? new V1.UInt64Value { Value = v } : null;
}
