using System.Globalization;

namespace Berth.Integration.Tests.Harness;

/// <summary>Reads the kernel's view: cgroup files, namespace inodes, processes, mounts.</summary>
public static class Kernel
{
    public const string CgroupMount = "/sys/fs/cgroup";

    /// <summary>The v1 hierarchies a pod's cgroups must appear on (this hybrid host also has "unified").</summary>
    public static readonly string[] V1Hierarchies = ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd"];

    public static string CgroupDir(string hierarchy, string cgroupPath) => Path.Combine(CgroupMount, hierarchy, cgroupPath.TrimStart('/'));

    public static string CgroupFile(string hierarchy, string cgroupPath, string file) =>
        File.ReadAllText(Path.Combine(CgroupDir(hierarchy, cgroupPath), file)).Trim();

    public static ulong NsInode(int pid, string type)
    {
        var target = new FileInfo($"/proc/{pid}/ns/{type}").LinkTarget!; // e.g. "net:[4026531992]"
        return ulong.Parse(target[(target.IndexOf('[') + 1)..^1], CultureInfo.InvariantCulture);
    }

    public static ulong SelfNsInode(string type) => NsInode(Environment.ProcessId, type);

    public static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static bool IsAlive(int pid) => State(pid) is { } s && s is not ('Z' or 'X');

    /// <summary>Host pids whose parent is <paramref name="parent"/>, zombies included.</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    result.Add(int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // not a process, or it went away while we looked
            }
        }

        return result;
    }

    /// <summary>Host pids of every process in the PID namespace with this inode.</summary>
    public static IReadOnlyList<int> ProcessesInPidNamespace(ulong inode)
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (NsInode(pid, "pid") == inode)
                {
                    result.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NullReferenceException)
            {
                // the process went away while we looked
            }
        }

        return result;
    }

    public static IReadOnlyList<string> MountPoints() =>
        [.. File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))];

    /// <summary>Every directory of a cgroup subtree, on every hierarchy that has it (v1), or in
    /// the one tree (v2).</summary>
    public static IReadOnlyList<string> CgroupDirectoriesUnder(string cgroupPath) =>
        [.. Directory.EnumerateDirectories(CgroupMount).Append(CgroupMount)
            .Select(h => Path.Combine(h, cgroupPath.TrimStart('/')))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateDirectories(d, "*", SearchOption.AllDirectories).Prepend(d))];

    /// <summary>The cgroup path of a process on one v1 hierarchy, from /proc/&lt;pid&gt;/cgroup.</summary>
    public static string CgroupOf(int pid, string controller) =>
        File.ReadLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).First(f => f[1].Split(',').Contains(controller) || f[1] == "name=" + controller)[2];
}
