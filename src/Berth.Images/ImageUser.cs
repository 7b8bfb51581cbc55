using System.Globalization;
using System.Text;
using Berth.Linux;

namespace Berth.Images;

/// <summary>The ids a container process runs with.</summary>
/// <param name="AdditionalGids">Groups of the image's /etc/group that list the user as a member, without the primary one.</param>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids);

/// <summary>
/// Resolves an image's (or a container's) user, "name", "uid", "uid:gid", "name:group" or
/// "uid:group", against the image's own /etc/passwd and /etc/group, as runc's user lookup does:
/// a numeric uid needs no entry (its gid is then 0), a name must have one.
/// </summary>
public static class ImageUser
{
    private const int MaxLinkHops = 16;

    /// <param name="rootfsOrLayers">A root filesystem, or layer directories joined by ':' with the TOP
    /// layer first (<see cref="ImageRecord.OverlayLowerDir"/>): files are looked up as overlayfs would
    /// show them, honouring whiteouts and opaque directories.</param>
    /// <exception cref="FormatException"><paramref name="user"/> is malformed.</exception>
    /// <exception cref="KeyNotFoundException">A name the image's passwd or group file does not have.</exception>
    public static ResolvedUser Resolve(string user, string rootfsOrLayers)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(rootfsOrLayers);
        var layers = rootfsOrLayers.Split(':', StringSplitOptions.RemoveEmptyEntries);
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon < 0 ? user : user[..colon];
        var groupPart = colon < 0 ? null : user[(colon + 1)..];
        if (colon >= 0 && (userPart.Length == 0 || groupPart!.Length == 0))
        {
            throw new FormatException($"invalid user \"{user}\": expected NAME, UID, UID:GID or NAME:GROUP");
        }

        var passwd = Entries(ReadFile(layers, "etc/passwd"));
        string[]? entry;
        uint uid;
        if (userPart.Length == 0)
        {
            uid = 0;
            entry = passwd.FirstOrDefault(e => Number(e[2]) == 0);
        }
        else if (TryId(userPart, user, out var numeric))
        {
            uid = numeric;
            entry = passwd.FirstOrDefault(e => Number(e[2]) == uid);
        }
        else
        {
            entry = passwd.FirstOrDefault(e => e[0] == userPart)
                ?? throw new KeyNotFoundException($"unable to find user {userPart}: no matching entries in the image's /etc/passwd");
            uid = Number(entry[2]) ?? throw new FormatException($"the image's /etc/passwd gives user {userPart} the uid \"{entry[2]}\"");
        }

        var groups = Entries(ReadFile(layers, "etc/group"));
        uint gid;
        if (groupPart is null)
        {
            gid = entry is not null && Number(entry[3]) is { } primary ? primary : 0;
        }
        else if (TryId(groupPart, user, out var numericGroup))
        {
            gid = numericGroup;
        }
        else
        {
            var group = groups.FirstOrDefault(g => g[0] == groupPart)
                ?? throw new KeyNotFoundException($"unable to find group {groupPart}: no matching entries in the image's /etc/group");
            gid = Number(group[2]) ?? throw new FormatException($"the image's /etc/group gives group {groupPart} the gid \"{group[2]}\"");
        }

        var name = entry?[0];
        var additional = name is null
            ? []
            : groups.Where(g => g.Length > 3 && g[3].Split(',').Contains(name))
                .Select(g => Number(g[2]))
                .OfType<uint>()
                .Where(g => g != gid)
                .Distinct()
                .ToList();
        return new ResolvedUser(uid, gid, additional);
    }

    private static bool TryId(string text, string user, out uint id)
    {
        if (text.All(char.IsAsciiDigit))
        {
            return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
                ? true
                : throw new FormatException($"invalid user \"{user}\": {text} is out of range for an id");
        }

        id = 0;
        return false;
    }

    private static uint? Number(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The colon-separated lines of a passwd or group file with at least name, password and id.</summary>
    private static List<string[]> Entries(string? text) =>
        text is null
            ? []
            : [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':')).Where(f => f.Length >= 3)];

    /// <summary>
    /// The file as the merged view would show it: from the topmost layer that has it, unless a
    /// whiteout or an opaque directory above hides the lower ones. Symlinks are followed inside
    /// the image, never out of it.
    /// </summary>
    private static string? ReadFile(string[] layers, string path)
    {
        for (var hop = 0; hop < MaxLinkHops; hop++)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var found = Lookup(layers, parts);
            switch (found)
            {
                case null:
                    return null;
                case { Status.Type: UnixFileType.Regular }:
                    return File.ReadAllText(found.Value.Path, Encoding.UTF8);
                case { Status.Type: UnixFileType.Symlink }:
                    var target = new FileInfo(found.Value.Path).LinkTarget!;
                    var directory = string.Join('/', parts[..^1]);
                    path = Collapse(target.StartsWith('/') ? target : $"{directory}/{target}");
                    continue;
                default:
                    return null;
            }
        }

        return null;
    }

    private static (string Path, FileNode Status)? Lookup(string[] layers, string[] parts)
    {
        foreach (var layer in layers)
        {
            var current = layer;
            var hidesLower = false;
            var usable = true;
            for (var i = 0; i < parts.Length; i++)
            {
                current = Path.Combine(current, parts[i]);
                var status = FileNodes.LStat(current);
                if (status.IsWhiteout)
                {
                    return null;
                }

                if (i == parts.Length - 1)
                {
                    if (status.Type != UnixFileType.Missing)
                    {
                        return (current, status);
                    }

                    break;
                }

                if (status.Type != UnixFileType.Directory)
                {
                    // A parent that is missing here may exist lower; one that is a file or a link
                    // is not followed (images put /etc/passwd in a real /etc).
                    usable = status.Type == UnixFileType.Missing;
                    break;
                }

                if (FileNodes.LGetXattr(current, FileNodes.OverlayOpaque) is [(byte)'y'])
                {
                    hidesLower = true;
                }
            }

            if (!usable || hidesLower)
            {
                return null;
            }
        }

        return null;
    }

    private static string Collapse(string path)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
            else if (part != ".")
            {
                stack.Add(part);
            }
        }

        return string.Join('/', stack);
    }
}
