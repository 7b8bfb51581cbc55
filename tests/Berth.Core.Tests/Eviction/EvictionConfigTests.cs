using Berth.Core.Capacity;
using Berth.Core.Eviction;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class EvictionConfigTests
{
    [Fact]
    public void The_defaults_add_allocatable_memory_and_containerfs_from_nodefs()
    {
        var thresholds = new EvictionConfig().Thresholds();
        Assert.Equal(
            ["memory.available<104857600", "nodefs.available<10%", "nodefs.inodesFree<5%", "imagefs.available<15%",
             "allocatableMemory.available<104857600", "containerfs.available<10%", "containerfs.inodesFree<5%"],
            thresholds.Select(t => t.ToString()));
        Assert.All(thresholds, t => Assert.True(t.IsHard));
    }

    [Fact]
    public void Without_pods_allocatable_enforced_there_is_no_allocatable_threshold()
    {
        var thresholds = new EvictionConfig { EnforcePodsAllocatable = false }.Thresholds();
        Assert.DoesNotContain(thresholds, t => t.Signal == EvictionThresholds.AllocatableMemoryAvailable);
    }

    [Fact]
    public void Soft_thresholds_carry_their_grace_period_and_only_hard_memory_is_copied_to_allocatable()
    {
        var config = new EvictionConfig
        {
            Hard = Levels("memory.available<100Mi"),
            Soft = Levels("memory.available<1Gi,nodefs.available<20%"),
            SoftGracePeriods = new Dictionary<string, TimeSpan> { ["memory.available"] = TimeSpan.FromMinutes(1), ["nodefs.available"] = TimeSpan.FromMinutes(2) },
        };
        Assert.Equal(
            ["memory.available<104857600", "memory.available<1073741824 for 00:01:00", "nodefs.available<20% for 00:02:00",
             "allocatableMemory.available<104857600", "containerfs.available<20% for 00:02:00"],
            config.Thresholds().Select(t => t.ToString()));
    }

    [Fact]
    public void Minimum_reclaim_is_attached_by_signal_and_follows_the_copies()
    {
        var config = new EvictionConfig
        {
            Hard = Levels("memory.available<100Mi,nodefs.available<10%"),
            MinimumReclaim = new Dictionary<string, EvictionThreshold> { ["memory.available"] = Level("memory.available<500Mi"), ["nodefs.available"] = Level("nodefs.available<5%") },
        };
        var thresholds = config.Thresholds().ToDictionary(t => t.Signal);
        Assert.Equal(500 * Mi, thresholds["memory.available"].MinimumReclaim!.Amount);
        Assert.Equal(500 * Mi, thresholds["allocatableMemory.available"].MinimumReclaim!.Amount);
        Assert.Equal(0.05, thresholds["containerfs.available"].MinimumReclaim!.Fraction);
    }

    [Theory]
    [InlineData(FilesystemLayout.Shared, "10%", "5%")]
    [InlineData(FilesystemLayout.SplitImageFs, "10%", "5%")]
    [InlineData(FilesystemLayout.DedicatedImageFs, "15%", "3%")]
    public void Containerfs_copies_nodefs_or_a_dedicated_imagefs_and_ignores_its_own_setting(FilesystemLayout layout, string bytes, string inodes)
    {
        var config = new EvictionConfig
        {
            Hard = Levels("nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<3%,containerfs.available<50%"),
            Filesystems = layout,
        };
        var thresholds = config.Thresholds();
        Assert.Equal(bytes, thresholds.Single(t => t.Signal == EvictionThresholds.ContainerFsAvailable).Level.ToString());
        Assert.Equal(inodes, thresholds.Single(t => t.Signal == EvictionThresholds.ContainerFsInodesFree).Level.ToString());
    }
}
