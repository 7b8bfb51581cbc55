namespace Berth.Linux;

/// <summary>A mount's propagation type (shared subtrees, mount_namespaces(7)).</summary>
public enum MountSharingType
{
    Private,
    Shared,

    /// <summary>Receives mounts from its master but sends none back.</summary>
    Slave,
}

/// <summary>
/// How the mount that holds a path propagates. A container's rshared bind mount only passes
/// mounts back to the host when its source is on a shared mount, and an rslave one only receives
/// them from a shared or slave one, so runtimes check before promising either.
/// </summary>
public static class MountSharing
{
    public static MountSharingType Of(string path, string mountInfo = MountInfo.SelfPath)
    {
        var target = Libc.Canonical(path) ?? throw new FileNotFoundException($"{path} does not exist", path);
        string? best = null;
        var bestType = MountSharingType.Private;
        foreach (var line in File.ReadLines(mountInfo))
        {
            // id parent dev root mountpoint options [optional fields...] - fstype source superoptions
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || separator < 0)
            {
                continue;
            }

            var mountPoint = MountInfo.Unescape(fields[4]);
            if (!Contains(mountPoint, target) || (best is not null && mountPoint.Length < best.Length))
            {
                continue;
            }

            // Later lines are mounted on top of earlier ones at the same place: the last one wins.
            best = mountPoint;
            var optional = fields[6..separator];
            bestType = optional.Any(f => f.StartsWith("shared:", StringComparison.Ordinal)) ? MountSharingType.Shared
                : optional.Any(f => f.StartsWith("master:", StringComparison.Ordinal)) ? MountSharingType.Slave
                : MountSharingType.Private;
        }

        return bestType;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
}
