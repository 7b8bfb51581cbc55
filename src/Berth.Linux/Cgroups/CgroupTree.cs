using System.Globalization;

namespace Berth.Linux.Cgroups;

/// <summary>Directory-level operations both drivers do the same way on each hierarchy.</summary>
internal static class CgroupTree
{
    // Cgroup names may start with '.', which .NET would treat as hidden and skip by default;
    // symlinks are never cgroups and could lead outside the hierarchy.
    private static readonly EnumerationOptions Descendants = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = false,
    };

    /// <summary>mkdir -p of <paramref name="directory"/> below <paramref name="root"/>; returns
    /// the levels this call created, outermost first.</summary>
    public static IReadOnlyList<string> CreateLevels(string root, string directory)
    {
        var missing = new Stack<string>();
        for (var level = directory; level != root && !Directory.Exists(level); level = Path.GetDirectoryName(level)!)
        {
            missing.Push(level);
        }

        var created = new List<string>(missing.Count);
        foreach (var level in missing)
        {
            try
            {
                Directory.CreateDirectory(level);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CgroupException($"creating {level}: {e.Message}", e);
            }

            created.Add(level);
        }

        return created;
    }

    /// <summary>Adds the pids in cgroup.procs of <paramref name="directory"/> and every
    /// descendant cgroup.</summary>
    public static void CollectProcesses(string directory, ISet<int> pids)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var cgroup in Directory.EnumerateDirectories(directory, "*", Descendants).Prepend(directory))
        {
            var procs = CgroupFiles.Read(cgroup, "cgroup.procs");
            foreach (var line in (procs ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                pids.Add(int.Parse(line, NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// SIGKILLs what is left in the cgroups under <paramref name="directories"/> until they are
    /// empty or a bounded wait runs out (a killed process leaves its cgroup only once it has
    /// exited). Reading cgroup.procs of a threaded cgroup fails with EOPNOTSUPP; its threads are
    /// in cgroup.threads, and a SIGKILL to a thread kills its whole process.
    /// </summary>
    public static async Task<bool> KillAllAsync(IReadOnlyList<string> directories, CancellationToken ct)
    {
        for (var round = 0; round < 200; round++)
        {
            var tasks = new HashSet<int>();
            foreach (var directory in directories.Where(Directory.Exists))
            {
                foreach (var cgroup in Directory.EnumerateDirectories(directory, "*", Descendants).Prepend(directory))
                {
                    CollectTasks(cgroup, tasks);
                }
            }

            if (tasks.Count == 0)
            {
                return true;
            }

            foreach (var task in tasks)
            {
                _ = Libc.Kill(task, Signals.Kill);
            }

            await Task.Delay(round == 0 ? 5 : 25, ct);
        }

        return false;
    }

    private static void CollectTasks(string cgroup, ISet<int> tasks)
    {
        string? list;
        try
        {
            list = CgroupFiles.Read(cgroup, "cgroup.procs");
        }
        catch (CgroupException)
        {
            list = CgroupFiles.Read(cgroup, "cgroup.threads");
        }

        foreach (var line in (list ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            tasks.Add(int.Parse(line, NumberStyles.None, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// rmdir(2) of <paramref name="directory"/> and its descendants, deepest first. Only rmdir:
    /// the control files in a cgroupfs directory cannot be unlinked and go away with it, so a
    /// recursive delete would fail on them (and on a fake tree would hide a bug). Returns the
    /// failure (e.g. EBUSY while processes remain), or null when everything is gone.
    /// </summary>
    public static string? Remove(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        var levels = Directory.EnumerateDirectories(directory, "*", Descendants)
            .OrderByDescending(d => d.Count(c => c == '/'))
            .Append(directory);
        foreach (var level in levels)
        {
            if (Libc.Rmdir(level) != 0)
            {
                var errno = Libc.LastError();
                if (errno != Libc.ENOENT)
                {
                    return Libc.Error($"rmdir {level}", errno).Message;
                }
            }
        }

        return null;
    }
}
