namespace Berth.Linux.Cgroups;

/// <summary>
/// Turns a cgroupfs-style path ("/kubepods/burstable/pod&lt;uid&gt;") into a directory under one
/// hierarchy root, refusing anything that could name a directory outside it: Berth runs as
/// root, and a pod uid or cgroup parent from a manifest ends up in these paths.
/// </summary>
internal static class CgroupPath
{
    public static IReadOnlyList<string> Components(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/'))
        {
            throw Invalid(path, "it is not absolute");
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw Invalid(path, "it contains NUL");
        }

        if (path == "/")
        {
            // Removing "/" would mean every cgroup on the host.
            throw Invalid(path, "it is the root cgroup");
        }

        var components = path[1..].Split('/');
        foreach (var component in components)
        {
            if (component.Length == 0 || component is "." or "..")
            {
                throw Invalid(path, $"component '{component}' is empty, '.' or '..'");
            }
        }

        return components;
    }

    /// <summary>The directory for <paramref name="path"/> under <paramref name="root"/> (a
    /// canonical path). Existing levels are resolved too, so a symlink planted inside the
    /// hierarchy cannot lead out of it.</summary>
    public static string Under(string root, string path)
    {
        var directory = root;
        string? deepestExisting = null;
        foreach (var component in Components(path))
        {
            directory = Path.Join(directory, component);
            if (Directory.Exists(directory))
            {
                deepestExisting = directory;
            }
        }

        if (deepestExisting is not null)
        {
            var canonical = Libc.Canonical(deepestExisting);
            if (canonical is not null && !canonical.StartsWith(root + "/", StringComparison.Ordinal))
            {
                throw Invalid(path, $"{deepestExisting} resolves to {canonical}, outside {root}");
            }
        }

        return directory;
    }

    /// <summary>A control file name: one plain component.</summary>
    public static string File(string file)
    {
        if (file.Length == 0 || file is "." or ".." || file.Contains('/', StringComparison.Ordinal) || file.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{file}' is not a cgroup control file name", nameof(file));
        }

        return file;
    }

    private static ArgumentException Invalid(string path, string why) =>
        new($"cgroup path '{path}' is invalid: {why}", nameof(path));
}
