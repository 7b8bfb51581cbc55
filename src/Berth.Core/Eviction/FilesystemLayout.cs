namespace Berth.Core.Eviction;

/// <summary>
/// Where images and writable container layers live relative to the node's root filesystem, which
/// decides how the kubelet measures pods and reclaims disk (buildSignalToRankFunc,
/// buildSignalToNodeReclaimFuncs, UpdateContainerFsThresholds).
/// </summary>
public enum FilesystemLayout
{
    /// <summary>One filesystem: nodefs, imagefs and containerfs are the same device.</summary>
    Shared,

    /// <summary>A dedicated image filesystem holding images and writable layers (imagefs = containerfs).</summary>
    DedicatedImageFs,

    /// <summary>Images on their own filesystem, writable layers on nodefs (KubeletSeparateDiskGC).</summary>
    SplitImageFs,
}
