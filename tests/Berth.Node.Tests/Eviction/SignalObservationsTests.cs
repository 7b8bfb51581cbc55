using Berth.Core.Capacity;
using Berth.Core.Eviction;
using Berth.Node.Eviction;
using Berth.Node.Stats;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Eviction;

public class SignalObservationsTests
{
    [Fact]
    public void Memory_available_is_capacity_less_the_root_cgroups_working_set()
    {
        var observed = SignalObservations.From(Build(), allocatableMemory: null);

        // Snapshots: 8 000 000 000 bytes of memory, a root working set of 2 000 000 000.
        Assert.Equal(new SignalObservation(6_000_000_000, 8_000_000_000, Now), observed[EvictionThresholds.MemoryAvailable]);
    }

    [Fact]
    public void Memory_available_is_floored_at_zero_and_capacity_follows_as_the_kubelet_adds_them()
    {
        var snapshot = Build();
        snapshot = snapshot with { Node = snapshot.Node with { MemoryCapacity = 1_000_000_000 } };

        Assert.Equal(new SignalObservation(0, 2_000_000_000, Now), SignalObservations.From(snapshot, null)[EvictionThresholds.MemoryAvailable]);
    }

    [Fact]
    public void Allocatable_memory_available_is_allocatable_less_the_pods_cgroups_working_set()
    {
        var snapshot = WithPodsContainer(Build(), workingSet: 1_500_000_000);

        var observed = SignalObservations.From(snapshot, allocatableMemory: 7_000_000_000);

        Assert.Equal(new SignalObservation(5_500_000_000, 7_000_000_000, Now), observed[EvictionThresholds.AllocatableMemoryAvailable]);
        Assert.False(SignalObservations.From(snapshot, allocatableMemory: null).ContainsKey(EvictionThresholds.AllocatableMemoryAvailable));
        Assert.False(SignalObservations.From(Build(), allocatableMemory: 7_000_000_000).ContainsKey(EvictionThresholds.AllocatableMemoryAvailable));
    }

    [Fact]
    public void Filesystems_give_bytes_and_inodes_for_nodefs_imagefs_and_containerfs()
    {
        var observed = SignalObservations.From(Build(), null);

        Assert.Equal(new SignalObservation(60_000, 100_000, Now), observed[EvictionThresholds.NodeFsAvailable]);
        Assert.Equal(new SignalObservation(900, 1000, Now), observed[EvictionThresholds.NodeFsInodesFree]);
        Assert.Equal(new SignalObservation(60_000, 100_000, Now), observed[EvictionThresholds.ImageFsAvailable]);
        Assert.Equal(new SignalObservation(900, 1000, Now), observed[EvictionThresholds.ImageFsInodesFree]);
        Assert.Equal(observed[EvictionThresholds.ImageFsAvailable], observed[EvictionThresholds.ContainerFsAvailable]);
        Assert.Equal(observed[EvictionThresholds.ImageFsInodesFree], observed[EvictionThresholds.ContainerFsInodesFree]);
    }

    [Fact]
    public void Without_an_image_filesystem_of_its_own_imagefs_is_the_node_filesystem()
    {
        var snapshot = Build();
        snapshot = snapshot with { Node = snapshot.Node with { ImageFs = null, NodeFs = snapshot.Node.NodeFs! with { AvailableBytes = 12_345 } } };

        var observed = SignalObservations.From(snapshot, null);

        Assert.Equal(12_345, observed[EvictionThresholds.ImageFsAvailable].Available);
        Assert.Equal(FilesystemLayout.Shared, SignalObservations.Layout(snapshot));
    }

    [Fact]
    public void Pid_available_is_pid_max_less_the_processes_running()
    {
        Assert.Equal(new SignalObservation(4_194_304 - 321, 4_194_304, Now), SignalObservations.From(Build(), null)[EvictionThresholds.PidAvailable]);
    }

    [Fact]
    public void Missing_statistics_leave_their_signals_unobserved()
    {
        var snapshot = Build();
        snapshot = snapshot with { Node = snapshot.Node with { Usage = null, NodeFs = null, ImageFs = null, MaxPid = null } };

        Assert.Empty(SignalObservations.From(snapshot, 1_000));
    }

    [Fact]
    public void Filesystems_on_different_devices_are_a_dedicated_image_filesystem()
    {
        var snapshot = Build();
        var split = snapshot with { Node = snapshot.Node with { NodeFs = snapshot.Node.NodeFs! with { Device = "/dev/sda1" }, ImageFs = snapshot.Node.ImageFs! with { Device = "/dev/sdb1" } } };
        var same = snapshot with { Node = snapshot.Node with { NodeFs = snapshot.Node.NodeFs! with { Device = "/dev/sda1" }, ImageFs = snapshot.Node.ImageFs! with { Device = "/dev/sda1" } } };

        Assert.Equal(FilesystemLayout.DedicatedImageFs, SignalObservations.Layout(split));
        Assert.Equal(FilesystemLayout.Shared, SignalObservations.Layout(same));
    }

    internal static StatsSnapshot WithPodsContainer(StatsSnapshot snapshot, ulong workingSet) => snapshot with
    {
        Node = snapshot.Node with
        {
            SystemContainers = [.. snapshot.Node.SystemContainers, new SystemContainerSample(SignalObservations.PodsContainer, "/kubepods", PodStart, Usage(snapshot.Timestamp, 1, workingSet), null)],
        },
    };
}
