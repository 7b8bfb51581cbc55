using System.Globalization;

namespace Berth.Linux;

/// <summary>Facts about this node read from the kernel's files.</summary>
public static class HostFacts
{
    public const string CgroupMount = "/sys/fs/cgroup";

    /// <summary>
    /// 2 when <paramref name="mount"/> is a unified (cgroup2) hierarchy, else 1. A v1 or hybrid
    /// host (controllers under /sys/fs/cgroup/&lt;ctrl&gt;, maybe an empty cgroup2 at
    /// /sys/fs/cgroup/unified) has no cgroup.controllers at the top.
    /// </summary>
    public static int CgroupVersion(string mount = CgroupMount) =>
        File.Exists(Path.Combine(mount, "cgroup.controllers")) ? 2 : 1;

    /// <summary>MemTotal from /proc/meminfo in bytes, as cAdvisor reports node memory capacity.</summary>
    public static long MemoryCapacity(string meminfo = "/proc/meminfo")
    {
        foreach (var line in File.ReadLines(meminfo))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var kib = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidDataException($"{meminfo} has no MemTotal line");
    }

    /// <summary>
    /// The node's memory in use and its working set from /proc/meminfo, for a cgroup v2 root,
    /// which has no memory.current: usage is MemTotal − MemFree (as runc reports the v2 root) and
    /// the working set that minus Inactive(file), clamped at 0 (cAdvisor's formula).
    /// </summary>
    public static (ulong Usage, ulong WorkingSet) MemoryInUse(string meminfo = "/proc/meminfo")
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(meminfo))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (colon > 0 && fields.Length > 0 && ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                values[line[..colon]] = kib * 1024;
            }
        }

        ulong Get(string key) => values.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{meminfo} has no {key} line");
        var usage = Get("MemTotal") - Get("MemFree");
        var inactiveFile = Get("Inactive(file)");
        return (usage, usage > inactiveFile ? usage - inactiveFile : 0);
    }

    /// <summary>How many processes the node can hold: the lower of kernel.pid_max and
    /// kernel.threads-max, as the kubelet's pid capacity (pkg/kubelet/stats/pidlimit).</summary>
    public static long PidCapacity(string sys = "/proc/sys/kernel")
    {
        static long Read(string file) => long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
        return Math.Min(Read(Path.Combine(sys, "pid_max")), Read(Path.Combine(sys, "threads-max")));
    }

    /// <summary>The size of the filesystem holding <paramref name="path"/> (the kubelet's
    /// ephemeral-storage capacity is that of its root directory's filesystem).</summary>
    public static long FilesystemCapacity(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        return new DriveInfo(existing).TotalSize;
    }
}
