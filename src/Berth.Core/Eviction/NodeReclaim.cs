using Berth.Core.Capacity;

namespace Berth.Core.Eviction;

/// <summary>
/// What the node can free before it evicts a pod: dead containers (containerGC
/// DeleteAllUnusedContainers) and unused images (imageGC DeleteUnusedImages). The caller runs
/// them, observes again and asks <see cref="EvictionPolicy.ReclaimSufficed"/> whether the pod
/// eviction is still needed.
/// </summary>
[Flags]
public enum NodeReclaim
{
    None = 0,
    Containers = 1,
    Images = 2,
}

/// <summary>buildSignalToNodeReclaimFuncs: which reclaim helps which signal on each filesystem layout.
/// Memory and pid signals have none.</summary>
public static class NodeReclaims
{
    public static NodeReclaim For(string signal, FilesystemLayout layout)
    {
        if (EvictionSignals.ResourceOf(signal) is EvictionSignals.Memory or EvictionSignals.Pids)
        {
            return NodeReclaim.None;
        }

        var nodeFs = signal is EvictionThresholds.NodeFsAvailable or EvictionThresholds.NodeFsInodesFree;
        var imageFs = signal is EvictionThresholds.ImageFsAvailable or EvictionThresholds.ImageFsInodesFree;
        return layout switch
        {
            // Logs and volumes on nodefs cannot be reclaimed; images and writable layers share the imagefs.
            FilesystemLayout.DedicatedImageFs => nodeFs ? NodeReclaim.None : NodeReclaim.Containers | NodeReclaim.Images,

            // Images alone on imagefs; writable layers (containerfs) on nodefs.
            FilesystemLayout.SplitImageFs => imageFs ? NodeReclaim.Images : NodeReclaim.Containers,
            _ => NodeReclaim.Containers | NodeReclaim.Images,
        };
    }
}
