using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Specs;

/// <summary>The runtime-spec side of a pod's user namespace: its mappings, written on the infra
/// bundle that creates it and on every container bundle that joins it (runc needs the mappings
/// of a joined user namespace too, to know which host uid owns what it creates).</summary>
public static class UserNamespaceSpec
{
    public static IReadOnlyList<IdMappingSpec>? Uids(UserNamespace? userns) => Of(userns?.Uids);

    public static IReadOnlyList<IdMappingSpec>? Gids(UserNamespace? userns) => Of(userns?.Gids);

    /// <summary>The host uid and gid of the namespace's root: what owns files the pod's root makes.</summary>
    public static (uint Uid, uint Gid) HostRoot(UserNamespace userns) => (ToHost(userns.Uids, 0), ToHost(userns.Gids, 0));

    /// <summary>The host ID a container ID maps to; a container ID outside the mappings is an error.</summary>
    public static uint ToHost(IReadOnlyList<IdMapping> mappings, uint id) =>
        mappings.FirstOrDefault(m => id >= m.ContainerId && id - m.ContainerId < m.Length) is { } m
            ? m.HostId + (id - m.ContainerId)
            : throw new ArgumentException($"id {id} is not mapped in the pod's user namespace");

    private static IReadOnlyList<IdMappingSpec>? Of(IReadOnlyList<IdMapping>? mappings) =>
        mappings is null ? null : [.. mappings.Select(m => new IdMappingSpec(m.ContainerId, m.HostId, m.Length))];
}
