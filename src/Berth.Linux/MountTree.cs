namespace Berth.Linux;

/// <summary>The mounts at and below a directory, for removing a tree of bind mounts before the
/// tree itself: deleting through a bind mount deletes its source.</summary>
public static class MountTree
{
    /// <summary>Mount points at or below <paramref name="dir"/> (symlinks resolved), deepest first;
    /// one entry per mount, so a path mounted twice is listed twice.</summary>
    public static IReadOnlyList<string> Under(string dir)
    {
        if (Libc.Canonical(dir) is not { } root)
        {
            return [];
        }

        return [.. MountInfo.Read()
            .Select(m => m.MountPoint)
            .Where(m => m == root || m.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)];
    }

    /// <summary>Detaches every mount at or below <paramref name="dir"/>, deepest first, until none is left.</summary>
    /// <exception cref="IOException">Something stays mounted.</exception>
    public static void UnmountAll(string dir)
    {
        // A few rounds: a mount stacked on another shows the lower one only once the upper is gone.
        for (var round = 0; round < 8; round++)
        {
            var mounts = Under(dir);
            if (mounts.Count == 0)
            {
                return;
            }

            foreach (var mount in mounts)
            {
                Mounts.Unmount(mount);
            }
        }

        if (Under(dir) is { Count: > 0 } left)
        {
            throw new IOException($"cannot unmount {string.Join(", ", left)}");
        }
    }
}
