using System.Globalization;

namespace Berth.Core.Planning;

/// <summary>
/// The host IDs pods with their own user namespace (hostUsers: false) are given, in blocks of
/// 65536, one block per pod. The rules are the kubelet's (pkg/kubelet/kubelet_getters.go
/// getKubeletMappings, pkg/kubelet/userns MakeUserNsManager): the subordinate uid and gid range
/// of the "kubelet" user when that user exists, identical for uids and gids, starting at a
/// multiple of 65536 no lower than 65536, a multiple of 65536 long and room for maxPods pods;
/// without that user, every ID from 65536 up.
/// </summary>
public sealed record UserNamespaceRange(uint First, ulong Length)
{
    public const uint BlockLength = 65536;

    /// <summary>The kubelet's maxPods default: a configured range must hold that many pods.</summary>
    public const int MaxPods = 110;

    /// <summary>Without a configured range: everything but the host's first block (kubelet defaultFirstID, defaultLen).</summary>
    public static readonly UserNamespaceRange Default = new(BlockLength, (1UL << 32) - BlockLength);

    public ulong Blocks => Length / BlockLength;

    /// <summary>"FIRST:LENGTH", as the --userns-range flag takes it.</summary>
    public static UserNamespaceRange Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2
            || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new FormatException($"\"{text}\" is not FIRST:LENGTH (e.g. 65536:{Default.Length})");
        }

        return Check(new UserNamespaceRange(first, length), "the range");
    }

    /// <summary>
    /// The subordinate range of <paramref name="user"/>: its one entry in subuid and subgid
    /// (name:first:count lines). A user that <paramref name="passwd"/> does not list gets
    /// <see cref="Default"/>, as the kubelet does.
    /// </summary>
    public static UserNamespaceRange FromSubordinateIds(string user, string passwd, string? subuid, string? subgid)
    {
        var entry = passwd.Split('\n').Select(l => l.Split(':')).FirstOrDefault(f => f.Length >= 3 && f[0] == user);
        if (entry is null)
        {
            return Default;
        }

        var uids = Entries(subuid, user, entry[2]);
        var gids = Entries(subgid, user, entry[2]);
        if (uids.Count != 1 || gids.Count != 1)
        {
            throw new FormatException($"user \"{user}\" needs exactly one entry in /etc/subuid and in /etc/subgid (found {uids.Count} and {gids.Count})");
        }

        if (uids[0] != gids[0])
        {
            throw new FormatException($"mismatched subuids and subgids for user \"{user}\"");
        }

        return Check(uids[0], $"user \"{user}\"'s subordinate range");
    }

    /// <summary>A free block, chosen at random among the free ones as the kubelet's allocation map
    /// does, so two nodes or agents sharing a range rarely collide; null when every block is taken.</summary>
    public uint? PickFree(IReadOnlySet<uint> usedFirstIds, Random random)
    {
        var free = Blocks - (ulong)usedFirstIds.Count(id => Contains(id));
        if (free == 0)
        {
            return null;
        }

        var skip = (ulong)random.NextInt64((long)free);
        for (ulong block = 0; block < Blocks; block++)
        {
            var first = (uint)(First + (block * BlockLength));
            if (!usedFirstIds.Contains(first) && skip-- == 0)
            {
                return first;
            }
        }

        return null;
    }

    public bool Contains(uint id) => id >= First && id - First < Length;

    private static List<UserNamespaceRange> Entries(string? file, string user, string uid) =>
        [.. (file ?? "").Split('\n').Select(l => l.Trim().Split(':'))
            .Where(f => f.Length == 3 && (f[0] == user || f[0] == uid))
            .Select(f => new UserNamespaceRange(
                uint.Parse(f[1], NumberStyles.None, CultureInfo.InvariantCulture),
                ulong.Parse(f[2], NumberStyles.None, CultureInfo.InvariantCulture)))];

    private static UserNamespaceRange Check(UserNamespaceRange range, string what)
    {
        if (range.First % BlockLength != 0)
        {
            throw new FormatException($"{what}: first ID {range.First} is not a multiple of {BlockLength}");
        }

        if (range.First < BlockLength)
        {
            throw new FormatException($"{what}: first ID {range.First} must be greater or equal to {BlockLength}");
        }

        if (range.Length % BlockLength != 0)
        {
            throw new FormatException($"{what}: length {range.Length} is not a multiple of {BlockLength}");
        }

        if (range.Blocks < MaxPods)
        {
            throw new FormatException($"{what}: {range.Length} IDs are not enough to support {MaxPods} pods ({MaxPods} x {BlockLength} are needed)");
        }

        if (range.First + range.Length > 1UL << 32)
        {
            throw new FormatException($"{what}: {range.First}+{range.Length} goes past the last ID 4294967295");
        }

        return range;
    }
}
