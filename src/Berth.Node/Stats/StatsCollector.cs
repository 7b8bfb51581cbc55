using System.Globalization;
using Berth.Core.Planning;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime;
using Berth.Runtime.Model;
using Berth.Runtime.Pods;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Node.Stats;

/// <summary>
/// The node's housekeeping, as the kubelet's embedded cAdvisor does it: every interval one pass
/// reads each ready sandbox's pod cgroup, its running containers' cgroups, PSI, the pod's
/// network namespace and its writable layers, logs and emptyDirs, plus the node's root cgroup,
/// /proc/pressure, filesystems and pid figures. Both front doors' pods are seen, because both
/// run through <see cref="PodRuntime"/>. Scrapes read the cached pass and never walk the tree.
/// </summary>
public sealed class StatsCollector(
    PodRuntime runtime,
    PodController pods,
    ICgroupDriver cgroups,
    AgentOptions options,
    TimeProvider clock,
    ILogger<StatsCollector> logger) : BackgroundService, IStatsProvider
{
    private readonly SemaphoreSlim pass = new(1, 1);
    private readonly DateTimeOffset startedAt = clock.GetUtcNow();
    private Passes passes = new(null, null);

    public StatsSnapshot? Latest => Volatile.Read(ref passes).Latest;

    public StatsSnapshot? Previous => Volatile.Read(ref passes).Previous;

    public async Task<StatsSnapshot> CollectAsync(CancellationToken ct)
    {
        await pass.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var snapshot = Read();
            Volatile.Write(ref passes, passes.Next(snapshot, options.HousekeepingInterval / 2));
            return snapshot;
        }
        finally
        {
            pass.Release();
        }
    }

    public override void Dispose()
    {
        pass.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.HousekeepingInterval, clock);
        do
        {
            try
            {
                await CollectAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Housekeeping serves the agent: a pass that fails must neither stop the agent
                // nor the passes after it.
                logger.LogWarning(e, "stats housekeeping pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private StatsSnapshot Read()
    {
        var now = clock.GetUtcNow();
        var podSamples = new List<PodSample>();
        foreach (var sandbox in runtime.ListSandboxes().Where(s => s.State == SandboxState.Ready))
        {
            podSamples.Add(Pod(sandbox, now));
        }

        return new StatsSnapshot(now, Node(now), podSamples);
    }

    private NodeSample Node(DateTimeOffset now)
    {
        var kubepods = CgroupName.Root(pods.Node.CgroupRoot, pods.Node.CgroupDriver).Child(CgroupName.KubepodsComponent).ToCgroupfs();
        var fs = FilesystemStats.Of(options.Runtime.Root);
        var imageFs = FilesystemStats.Of(options.Runtime.ImagesDir);
        var usage = CgroupUsage.Read(cgroups, "/");
        if (usage is { MemoryWorkingSet: null })
        {
            // A cgroup v2 root has no memory.current: the node's own figures stand in.
            var (inUse, workingSet) = HostFacts.MemoryInUse();
            usage = usage with { MemoryUsage = inUse, MemoryWorkingSet = workingSet };
        }

        return new NodeSample(
            pods.NodeInfo.Name,
            startedAt,
            usage,
            PressureStats.ReadNode(),
            (ulong)HostFacts.MemoryCapacity(),
            NetworkDevices.Read(Environment.ProcessId) ?? [],
            Filesystem(fs, now),
            Filesystem(imageFs, now),
            HostFacts.PidCapacity(),
            RunningProcesses())
        {
            SystemContainers =
            [
                new SystemContainerSample("pods", kubepods, startedAt, CgroupUsage.Read(cgroups, kubepods), cgroups.Pressure(kubepods)),
            ],
        };
    }

    private PodSample Pod(SandboxRecord sandbox, DateTimeOffset now)
    {
        var config = sandbox.Config;
        var containers = new List<ContainerSample>();
        ulong ephemeralBytes = 0;
        ulong ephemeralInodes = 0;
        foreach (var container in runtime.ContainersOf(sandbox.Id).Where(c => c.State == ContainerState.Running))
        {
            var layer = TreeUsage.Of(runtime.Layout.LayerUpper(container.Id));
            var logs = File.Exists(container.LogFile) ? new FileInfo(container.LogFile).Length : 0;
            ephemeralBytes += layer.Bytes + (ulong)logs;
            ephemeralInodes += layer.Inodes + 1;
            var limits = container.Config.Limits;
            containers.Add(new ContainerSample(
                container.Id,
                container.Config.Name,
                container.Config.Image,
                container.CgroupPath,
                container.StartedAt ?? container.CreatedAt,
                CgroupUsage.Read(cgroups, container.CgroupPath),
                cgroups.Pressure(container.CgroupPath),
                new ContainerLimits(limits.CpuShares, limits.CpuQuota, limits.CpuPeriod, limits.MemoryLimit),
                new FilesystemSample(now, UsedBytes: layer.Bytes, InodesUsed: layer.Inodes),
                new FilesystemSample(now, UsedBytes: (ulong)logs, InodesUsed: 1),
                container.Config.Attempt));
        }

        var volumes = Volumes(config.Uid, now);
        foreach (var volume in volumes)
        {
            ephemeralBytes += volume.Usage.UsedBytes ?? 0;
            ephemeralInodes += volume.Usage.InodesUsed ?? 0;
        }

        return new PodSample(
            config.Uid,
            config.Namespace,
            config.Name,
            config.CgroupParent,
            sandbox.CreatedAt,
            CgroupUsage.Read(cgroups, config.CgroupParent),
            cgroups.Pressure(config.CgroupParent),
            sandbox.InfraPid > 0 ? NetworkDevices.Read(sandbox.InfraPid) ?? [] : [],
            volumes,
            new FilesystemSample(now, UsedBytes: ephemeralBytes, InodesUsed: ephemeralInodes),
            containers)
        {
            SandboxId = sandbox.Id,
        };
    }

    /// <summary>The emptyDir volumes of a pod Berth admitted itself; a CRI pod's volumes are the
    /// kubelet's to measure.</summary>
    private List<VolumeSample> Volumes(string uid, DateTimeOffset now)
    {
        var volumes = new List<VolumeSample>();
        if (pods.Records.Get(uid) is not { } record)
        {
            return volumes;
        }

        foreach (var volume in (record.Manifest.Spec?.Volumes ?? []).Where(v => v.EmptyDir is not null))
        {
            var usage = TreeUsage.Of(Path.Combine(pods.Records.DirectoryOf(uid), "volumes", volume.Name));
            volumes.Add(new VolumeSample(volume.Name, new FilesystemSample(now, UsedBytes: usage.Bytes, InodesUsed: usage.Inodes)));
        }

        return volumes;
    }

    private static FilesystemSample? Filesystem(FilesystemStats? fs, DateTimeOffset now) => fs is null
        ? null
        : new FilesystemSample(now, fs.CapacityBytes, fs.AvailableBytes, fs.CapacityBytes - fs.AvailableBytes, fs.Inodes, fs.InodesFree, fs.Inodes - fs.InodesFree);

    /// <summary>Tasks (threads included) the kernel holds, the fourth field of /proc/loadavg
    /// ("running/total"): what pid_max and threads-max run out of.</summary>
    private static long? RunningProcesses()
    {
        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return fields.Length > 3 && fields[3].Split('/') is [_, var total] && long.TryParse(total, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : null;
    }
}

/// <summary>The last two housekeeping passes, what rates are taken between; swapped as one reference
/// so readers never see a mix.</summary>
public sealed record Passes(StatsSnapshot? Latest, StatsSnapshot? Previous)
{
    /// <summary>
    /// The passes after <paramref name="snapshot"/>. The pass it replaces becomes the one rates are
    /// taken against only if it is at least <paramref name="minimumWindow"/> older: a pass the
    /// eviction manager asks for right after a housekeeping pass would otherwise leave a window of
    /// milliseconds, where scheduler-tick granularity swamps the CPU figures.
    /// </summary>
    public Passes Next(StatsSnapshot snapshot, TimeSpan minimumWindow) =>
        Latest is { } latest && snapshot.Timestamp - latest.Timestamp < minimumWindow && Previous is not null
            ? new Passes(snapshot, Previous)
            : new Passes(snapshot, Latest);
}
