using Berth.Core.Eviction;
using Berth.Core.Planning;
using Berth.Node.Eviction;
using Berth.Node.Stats;
using Berth.Runtime.Pods;
using static Berth.Node.Tests.Eviction.EvictionPods;

namespace Berth.Node.Tests.Eviction;

public class PodUsagesTests
{
    private static readonly DateTimeOffset At = Snapshots.Now;

    [Fact]
    public void A_pod_carries_its_requests_from_the_manifest_and_its_usage_from_the_pass()
    {
        var db = Record("db", Guaranteed + "  priority: 1000\n");
        var snapshot = new StatsSnapshot(At, Snapshots.Build().Node, [Sample(db, At, workingSet: 300_000_000, processes: 7, rootfsBytes: 4096)]);

        var usage = Assert.Single(PodUsages.From([db], snapshot));

        Assert.Equal((db.Uid, "default", "db"), (usage.Uid, usage.Namespace, usage.Name));
        Assert.Equal((QosClass.Guaranteed, 1000, 256L << 20), (usage.Qos, usage.Priority, usage.MemoryRequest));
        Assert.True(usage.HasStats);
        Assert.Equal((300_000_000L, 7L), (usage.MemoryWorkingSet, usage.ProcessCount));
        var container = Assert.Single(usage.Containers);
        Assert.Equal(("c", 300_000_000L, 4096L), (container.Name, container.MemoryWorkingSet, container.Rootfs!.Bytes));
    }

    [Fact]
    public void A_pod_the_pass_did_not_see_has_no_statistics()
    {
        var usage = Assert.Single(PodUsages.From([Record("new", BestEffort)], new StatsSnapshot(At, Snapshots.Build().Node, [])));

        Assert.False(usage.HasStats);
    }

    [Fact]
    public void Only_active_pods_are_candidates()
    {
        var done = Record("done", BestEffort) with { Lifecycle = PodLifecycle.Finished };
        var creating = Record("creating", BestEffort) with { Lifecycle = PodLifecycle.Creating };

        Assert.Empty(PodUsages.From([done, creating], new StatsSnapshot(At, Snapshots.Build().Node, [])));
    }

    [Fact]
    public void A_pod_from_a_manifest_file_is_static_so_critical()
    {
        var usage = Assert.Single(PodUsages.From([Record("etcd", BestEffort, source: "file:/m/etcd.yaml")], new StatsSnapshot(At, Snapshots.Build().Node, [])));

        Assert.True(usage.IsStatic);
        Assert.True(usage.IsCritical);
    }

    [Fact]
    public void EmptyDir_and_hostPath_volumes_count_as_local_storage()
    {
        var pod = Record("vols", """
              containers: [{ name: c, image: busybox }]
              volumes:
              - { name: scratch, emptyDir: {} }
              - { name: host, hostPath: { path: /tmp } }
            """);
        FilesystemSample Used(ulong bytes) => new(At, UsedBytes: bytes, InodesUsed: 1);
        var sample = Sample(pod, At, 1, volumes: [new VolumeSample("scratch", Used(1000)), new VolumeSample("not-in-spec", Used(50_000)), new VolumeSample("host", Used(20))]);

        var usage = Assert.Single(PodUsages.From([pod], new StatsSnapshot(At, Snapshots.Build().Node, [sample])));

        Assert.Equal(new FsUsage(1020, 2), usage.LocalVolumes);
    }
}
