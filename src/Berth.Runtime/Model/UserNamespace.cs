namespace Berth.Runtime.Model;

/// <summary>
/// A pod's own user namespace (KEP-127, CRI UserNamespace with mode POD): the infra process
/// creates it with these mappings and every container joins it. Kept in the sandbox record, so
/// the IDs stay taken while the sandbox exists.
/// </summary>
public sealed record UserNamespace(IReadOnlyList<IdMapping> Uids, IReadOnlyList<IdMapping> Gids)
{
    /// <summary>The kubelet's size of a pod's range (pkg/kubelet/userns: userNsLength = 65536).</summary>
    public const uint PodRangeLength = 65536;

    /// <summary>Container IDs 0..65535 on host IDs <paramref name="hostBase"/>.., uids and gids alike, as the kubelet maps a pod.</summary>
    public static UserNamespace OfRange(uint hostBase) =>
        new([new IdMapping(0, hostBase, PodRangeLength)], [new IdMapping(0, hostBase, PodRangeLength)]);
}

/// <summary>Container IDs ContainerId..ContainerId+Length-1 are host IDs HostId..HostId+Length-1.</summary>
public sealed record IdMapping(uint ContainerId, uint HostId, uint Length);
