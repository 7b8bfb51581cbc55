namespace Berth.Linux;

/// <summary>mount(2) and umount2(2) for the mounts Berth makes itself: overlay root filesystems
/// and bind mounts. Failures are IOExceptions carrying the errno text.</summary>
public static class Mounts
{
    /// <param name="lowerDir">One directory or a colon-joined list, topmost layer first.</param>
    public static void MountOverlay(string lowerDir, string upperDir, string workDir, string target)
    {
        foreach (var (name, value) in new[] { ("lowerDir", lowerDir), ("upperDir", upperDir), ("workDir", workDir) })
        {
            // The option string is comma-separated; a comma in a path would start a new option.
            if (value.Length == 0 || value.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"overlay {name} '{value}' is empty or contains a comma", name);
            }
        }

        var data = $"lowerdir={lowerDir},upperdir={upperDir},workdir={workDir}";
        if (Libc.Mount("overlay", target, "overlay", 0, data) != 0)
        {
            throw Libc.Error($"mount overlay ({data}) on {target}", Libc.LastError());
        }
    }

    public static void BindMount(string source, string target, bool readOnly)
    {
        if (Libc.Mount(source, target, null, Libc.MS_BIND, null) != 0)
        {
            throw Libc.Error($"bind mount {source} on {target}", Libc.LastError());
        }

        if (!readOnly)
        {
            return;
        }

        // The kernel ignores MS_RDONLY on the initial bind; only a remount of the new mount
        // makes it read-only.
        if (Libc.Mount(null, target, null, Libc.MS_BIND | Libc.MS_REMOUNT | Libc.MS_RDONLY, null) != 0)
        {
            var errno = Libc.LastError();
            Libc.Umount2(target, Libc.MNT_DETACH);
            throw Libc.Error($"remount {target} read-only", errno);
        }
    }

    /// <param name="detach">Lazy unmount (MNT_DETACH): succeeds even while files are open under
    /// the mount, which is the normal state while a container is being torn down.</param>
    public static void Unmount(string target, bool detach = true)
    {
        if (Libc.Umount2(target, detach ? Libc.MNT_DETACH : 0) == 0)
        {
            return;
        }

        var errno = Libc.LastError();
        if (errno is Libc.EINVAL or Libc.ENOENT)
        {
            return;
        }

        throw Libc.Error($"unmount {target}", errno);
    }

    /// <summary>Whether <paramref name="path"/> (symlinks resolved) is listed as a mount point in
    /// this process's mount namespace.</summary>
    public static bool IsMountPoint(string path)
    {
        var canonical = Libc.Canonical(path);
        if (canonical is null)
        {
            return false;
        }

        return MountInfo.Read().Any(m => m.MountPoint == canonical);
    }
}
