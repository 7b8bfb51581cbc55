using System.Globalization;

namespace Berth.Oci.Spec;

/// <summary>
/// The defaults every container gets unless its security context says otherwise. They match
/// what containerd's CRI plugin gives (oci/spec.go defaults), so workloads behave the same.
/// </summary>
public static class SpecDefaults
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>containerd's default capability set for unprivileged containers.</summary>
    public static readonly IReadOnlyList<string> Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>Capability names by bit number (linux/capability.h).</summary>
    public static readonly IReadOnlyList<string> AllCapabilityNames =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly IReadOnlyList<string> ReadonlyPaths =
        ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>The file systems every container gets. Privileged containers get /sys and the
    /// cgroup mount read-write, which nested runtimes need to create their cgroups.</summary>
    public static IReadOnlyList<MountSpec> Mounts(bool privileged) =>
    [
        new("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
        new("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        new("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        new("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        new("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        new("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"]),
        new("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", privileged ? "rw" : "ro"]),
    ];

    /// <summary>Deny every device; runc appends its default set (null, zero, full, random, tty, ptmx, pts).</summary>
    public static readonly IReadOnlyList<DeviceRuleSpec> DeviceRules = [new(Allow: false, Access: "rwm")];

    public static readonly IReadOnlyList<DeviceRuleSpec> PrivilegedDeviceRules = [new(Allow: true, Access: "rwm")];

    /// <summary>containerd's NOFILE default, never above what this process may grant.</summary>
    public static IReadOnlyList<RlimitSpec> Rlimits(ulong hardNofile)
    {
        var limit = Math.Min(1024UL, hardNofile);
        return [new RlimitSpec("RLIMIT_NOFILE", limit, limit)];
    }

    /// <summary>
    /// The capabilities this process can hand out: its bounding set. A privileged container gets
    /// these rather than every capability the kernel knows, because runc fails to start a process
    /// with a capability outside the bounding set (on this class of host CAP_SYS_RESOURCE is missing).
    /// </summary>
    public static IReadOnlyList<string> BoundingCapabilities(string status = "/proc/self/status")
    {
        var line = File.ReadLines(status).First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["CapBnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return [.. AllCapabilityNames.Where((_, bit) => (mask & (1UL << bit)) != 0)];
    }

    /// <summary>Kubernetes capability names ("NET_ADMIN", "ALL") in runtime-spec form.</summary>
    public static string Normalize(string capability)
    {
        var upper = capability.Trim().ToUpperInvariant();
        return upper == "ALL" || upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
    }

    /// <summary>Applies add/drop to the default set the way containerd does: drop ALL empties
    /// the set first, add ALL gives every capability the process can grant.</summary>
    public static IReadOnlyList<string> Adjust(IEnumerable<string> add, IEnumerable<string> drop, IReadOnlyList<string> bounding)
    {
        var adds = add.Select(Normalize).ToList();
        var drops = drop.Select(Normalize).ToList();
        var set = new List<string>(drops.Contains("ALL") ? [] : Capabilities);
        set.RemoveAll(drops.Contains);
        foreach (var cap in adds.Contains("ALL") ? bounding : adds)
        {
            if (!set.Contains(cap))
            {
                set.Add(cap);
            }
        }

        return [.. set.Where(bounding.Contains)];
    }
}
