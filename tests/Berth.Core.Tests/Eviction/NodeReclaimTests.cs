using Berth.Core.Capacity;
using Berth.Core.Eviction;

namespace Berth.Core.Tests.Eviction;

public class NodeReclaimTests
{
    private const NodeReclaim Both = NodeReclaim.Containers | NodeReclaim.Images;

    [Theory]
    [InlineData(EvictionThresholds.MemoryAvailable, FilesystemLayout.Shared, NodeReclaim.None)]
    [InlineData(EvictionThresholds.AllocatableMemoryAvailable, FilesystemLayout.Shared, NodeReclaim.None)]
    [InlineData(EvictionThresholds.PidAvailable, FilesystemLayout.Shared, NodeReclaim.None)]
    [InlineData(EvictionThresholds.NodeFsAvailable, FilesystemLayout.Shared, Both)]
    [InlineData(EvictionThresholds.NodeFsInodesFree, FilesystemLayout.Shared, Both)]
    [InlineData(EvictionThresholds.ImageFsAvailable, FilesystemLayout.Shared, Both)]
    [InlineData(EvictionThresholds.ContainerFsAvailable, FilesystemLayout.Shared, Both)]
    [InlineData(EvictionThresholds.NodeFsAvailable, FilesystemLayout.DedicatedImageFs, NodeReclaim.None)]
    [InlineData(EvictionThresholds.NodeFsInodesFree, FilesystemLayout.DedicatedImageFs, NodeReclaim.None)]
    [InlineData(EvictionThresholds.ImageFsAvailable, FilesystemLayout.DedicatedImageFs, Both)]
    [InlineData(EvictionThresholds.ContainerFsInodesFree, FilesystemLayout.DedicatedImageFs, Both)]
    [InlineData(EvictionThresholds.ImageFsAvailable, FilesystemLayout.SplitImageFs, NodeReclaim.Images)]
    [InlineData(EvictionThresholds.ImageFsInodesFree, FilesystemLayout.SplitImageFs, NodeReclaim.Images)]
    [InlineData(EvictionThresholds.NodeFsAvailable, FilesystemLayout.SplitImageFs, NodeReclaim.Containers)]
    [InlineData(EvictionThresholds.ContainerFsAvailable, FilesystemLayout.SplitImageFs, NodeReclaim.Containers)]
    public void Reclaim_per_signal_and_layout(string signal, FilesystemLayout layout, NodeReclaim expected) =>
        Assert.Equal(expected, NodeReclaims.For(signal, layout));
}
