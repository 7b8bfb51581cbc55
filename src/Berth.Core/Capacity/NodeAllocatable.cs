namespace Berth.Core.Capacity;

/// <summary>What node allocatable enforcement applies to (the kubelet's enforceNodeAllocatable).</summary>
[Flags]
public enum AllocatableEnforcement
{
    None = 0,
    Pods = 1,
    SystemReserved = 2,
    KubeReserved = 4,
}

/// <summary>
/// Node allocatable, as the kubelet computes it (pkg/kubelet/cm/node_container_manager_linux.go):
/// <c>allocatable = capacity − systemReserved − kubeReserved − hard eviction reservation</c>, where
/// the eviction reservation is the hard memory.available threshold against memory and the hard
/// nodefs.available threshold against ephemeral-storage. The kubepods cgroup is limited to
/// <c>capacity − systemReserved − kubeReserved</c>: the eviction threshold is left to the
/// eviction manager, so pods can reach it and be evicted rather than OOM-killed at the limit.
/// </summary>
public sealed record NodeAllocatable(NodeResources Capacity, NodeResources SystemReserved, NodeResources KubeReserved, IReadOnlyList<EvictionThreshold> EvictionHard)
{
    /// <summary>The part of capacity the hard eviction thresholds hold back.</summary>
    public NodeResources EvictionReservation
    {
        get
        {
            long? Of(string signal, long? capacity) =>
                EvictionHard.FirstOrDefault(t => t.Signal == signal) is { } threshold && capacity is { } c ? threshold.Against(c) : null;
            return new NodeResources(
                Memory: Of(EvictionThresholds.MemoryAvailable, Capacity.Memory),
                EphemeralStorage: Of(EvictionThresholds.NodeFsAvailable, Capacity.EphemeralStorage));
        }
    }

    /// <summary>What pods may request in total: the node's status.allocatable.</summary>
    public NodeResources Allocatable => Capacity.Minus(SystemReserved.Plus(KubeReserved).Plus(EvictionReservation));

    /// <summary>The limits of the kubepods cgroup when pods are enforced.</summary>
    public NodeResources KubepodsLimits => Capacity.Minus(SystemReserved.Plus(KubeReserved));
}
