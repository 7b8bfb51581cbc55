namespace Berth.Linux.Cgroups;

/// <summary>
/// One cgroup v1 hierarchy under the mount point: a controller mount ("memory", or co-mounted
/// "cpu,cpuacct"), a named one ("systemd", name=systemd) or, on a hybrid host, the cgroup2
/// mount "unified".
/// </summary>
/// <param name="Name">The directory name under the mount point, symlinks resolved.</param>
/// <param name="Root">Canonical path of the hierarchy's root cgroup.</param>
/// <param name="Controllers">What the hierarchy carries: the controllers in its name and, on a
/// real host, its mount options ("cpu", "cpuacct", "name=systemd").</param>
/// <param name="IsUnified">The cgroup2 hierarchy of a hybrid host.</param>
public sealed record CgroupHierarchy(string Name, string Root, IReadOnlySet<string> Controllers, bool IsUnified)
{
    public const string UnifiedName = "unified";

    public bool Has(string controller) => Controllers.Contains(controller);

    /// <summary>
    /// The hierarchies mounted under <paramref name="mountPoint"/>, one per distinct directory:
    /// "cpu" and "cpuacct" symlinked to "cpu,cpuacct" are one hierarchy. When
    /// <paramref name="mounts"/> lists cgroup mounts directly under the mount point (a real
    /// host) only those count and their mount options name the controllers; otherwise (a fake
    /// tree in tests) every top-level directory is a hierarchy named after its controllers.
    /// </summary>
    public static IReadOnlyList<CgroupHierarchy> Discover(string mountPoint, IReadOnlyList<MountEntry> mounts)
    {
        var root = Libc.Canonical(mountPoint)
            ?? throw new DirectoryNotFoundException($"cgroup mount point {mountPoint} does not exist");
        var cgroupMounts = mounts
            .Where(m => m.FileSystemType is "cgroup" or "cgroup2" && Path.GetDirectoryName(m.MountPoint) == root)
            .GroupBy(m => m.MountPoint)
            .ToDictionary(g => g.Key, g => g.Last());

        var hierarchies = new SortedDictionary<string, CgroupHierarchy>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root))
        {
            var resolved = Libc.Canonical(entry);
            if (resolved is null || !Directory.Exists(resolved) || Path.GetDirectoryName(resolved) != root || hierarchies.ContainsKey(resolved))
            {
                continue;
            }

            var name = Path.GetFileName(resolved);
            var controllers = new SortedSet<string>(name.Split(','), StringComparer.Ordinal);
            bool unified;
            if (cgroupMounts.Count > 0)
            {
                if (!cgroupMounts.TryGetValue(resolved, out var mount))
                {
                    continue;
                }

                unified = mount.FileSystemType == "cgroup2";
                if (!unified)
                {
                    controllers.UnionWith(mount.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro")));
                }
            }
            else
            {
                unified = name == UnifiedName;
            }

            if (unified)
            {
                // cgroup2 controllers are files inside, not part of the name.
                controllers.Clear();
            }

            hierarchies[resolved] = new CgroupHierarchy(name, resolved, controllers, unified);
        }

        return [.. hierarchies.Values];
    }
}
