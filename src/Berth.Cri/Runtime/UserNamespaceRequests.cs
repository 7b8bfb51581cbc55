using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

/// <summary>
/// CRI NamespaceOption.userns_options (KEP-127): NODE runs in the host's user namespace; POD gives
/// the sandbox its own, with the mappings the kubelet chose. A container repeats the sandbox's
/// options and joins the sandbox's namespace. CONTAINER and TARGET have no meaning for user
/// namespaces and are InvalidArgument, as are mappings that do not make a namespace.
/// </summary>
internal static class UserNamespaceRequests
{
    private const ulong IdSpace = 1UL << 32;

    public static UserNamespace? FromSandbox(V1.UserNamespace? options, string field, List<string> problems)
    {
        if (options is null || options.Mode == V1.NamespaceMode.Node)
        {
            if (options is { } node && (node.Uids.Count > 0 || node.Gids.Count > 0))
            {
                problems.Add($"{field}: mode NODE takes no uids or gids");
            }

            return null;
        }

        if (options.Mode != V1.NamespaceMode.Pod)
        {
            problems.Add($"{field}: unsupported mode {options.Mode}: supported values: NODE, POD");
            return null;
        }

        var before = problems.Count;
        var uids = Mappings(options.Uids, $"{field}.uids", problems);
        var gids = Mappings(options.Gids, $"{field}.gids", problems);
        return problems.Count == before ? new UserNamespace(uids, gids) : null;
    }

    /// <summary>A container's options: absent or equal to its sandbox's; it cannot leave the pod's user namespace.</summary>
    public static void CheckContainer(V1.UserNamespace? options, SandboxRecord sandbox, string field, List<string> problems)
    {
        var scratch = new List<string>();
        var requested = FromSandbox(options, field, scratch);
        problems.AddRange(scratch);
        if (scratch.Count > 0 || options is null)
        {
            return;
        }

        if (!Same(requested, sandbox.Config.UserNamespace))
        {
            problems.Add($"{field}: must be the sandbox's user namespace options ({Describe(sandbox.Config.UserNamespace)}), got {Describe(requested)}");
        }
    }

    private static List<IdMapping> Mappings(IEnumerable<V1.IDMapping> requested, string field, List<string> problems)
    {
        var mappings = requested.Select(m => new IdMapping(m.ContainerId, m.HostId, m.Length)).ToList();
        if (mappings.Count == 0)
        {
            problems.Add($"{field}: mode POD needs at least one mapping");
            return mappings;
        }

        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            if (m.Length == 0 || m.ContainerId + (ulong)m.Length > IdSpace || m.HostId + (ulong)m.Length > IdSpace)
            {
                problems.Add($"{field}[{i}]: container_id {m.ContainerId}, host_id {m.HostId}, length {m.Length}: the length must be positive and both ranges within 0-4294967295");
            }

            for (var j = 0; j < i; j++)
            {
                if (Overlap(m.ContainerId, m.Length, mappings[j].ContainerId, mappings[j].Length) || Overlap(m.HostId, m.Length, mappings[j].HostId, mappings[j].Length))
                {
                    problems.Add($"{field}[{i}]: overlaps {field}[{j}]");
                }
            }
        }

        // Root in the pod must be someone on the host: its files and the infra's root belong to it.
        if (!mappings.Any(m => m.ContainerId == 0))
        {
            problems.Add($"{field}: container id 0 (root) is not mapped");
        }

        return mappings;
    }

    private static bool Overlap(uint a, uint aLength, uint b, uint bLength) => a < (ulong)b + bLength && b < (ulong)a + aLength;

    private static bool Same(UserNamespace? a, UserNamespace? b) =>
        a is null ? b is null : b is not null && a.Uids.SequenceEqual(b.Uids) && a.Gids.SequenceEqual(b.Gids);

    private static string Describe(UserNamespace? userns) => userns is null
        ? "NODE"
        : $"POD uids [{string.Join(", ", userns.Uids.Select(m => $"{m.ContainerId}:{m.HostId}:{m.Length}"))}] gids [{string.Join(", ", userns.Gids.Select(m => $"{m.ContainerId}:{m.HostId}:{m.Length}"))}]";
}
