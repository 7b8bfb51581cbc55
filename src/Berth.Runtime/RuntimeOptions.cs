namespace Berth.Runtime;

/// <summary>Where the runtime keeps things and which tools it drives.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Persistent state: images, pods, sandbox and container records.</summary>
    public string Root { get; init; } = "/var/lib/berth";

    /// <summary>Volatile state: sockets, bundles, monitor files, runc's state.</summary>
    public string RunRoot { get; init; } = "/run/berth";

    /// <summary>Parent of the kubepods cgroup (kubelet's cgroupRoot).</summary>
    public string CgroupRoot { get; init; } = "/";

    /// <summary>Root of pod log directories (kubelet's /var/log/pods).</summary>
    public string LogRoot { get; init; } = "/var/log/pods";

    /// <summary>The infra process and its arguments; a static binary, bind-mounted into an empty root.</summary>
    public string InfraBinary { get; init; } = "/usr/bin/catatonit";

    public IReadOnlyList<string> InfraArgs { get; init; } = ["-P"];

    public string RuncBinary { get; init; } = "runc";

    public string ConmonBinary { get; init; } = "conmon";

    /// <summary>kubelet's podPidsLimit; null means unlimited.</summary>
    public long? PodPidsLimit { get; init; }

    /// <summary>Node allocatable, eviction thresholds and admission's view of the node.</summary>
    public NodeProtectionOptions Node { get; init; } = new();

    /// <summary>The MemoryQoS feature gate and its settings (KEP-2570).</summary>
    public MemoryQosOptions MemoryQos { get; init; } = new(false, Berth.Core.Planning.MemoryQosSettings.DefaultThrottlingFactor, Berth.Core.Planning.MemoryReservationPolicy.None);

    /// <summary>Where the CNI network configuration lists are; the first in name order is used.
    /// None there: pods get only their loopback interface.</summary>
    public string CniConfDir { get; init; } = "/etc/cni/net.d";

    /// <summary>Where CNI plugin binaries are looked up (CNI_PATH): the upstream default and Debian's.</summary>
    public IReadOnlyList<string> CniBinDirs { get; init; } = ["/opt/cni/bin", "/usr/lib/cni"];

    /// <summary>Whose /etc/subuid and /etc/subgid entry holds the IDs of pods with hostUsers: false
    /// (the kubelet's rule: the "kubelet" user; a user that does not exist means every ID from 65536 up).</summary>
    public string UsernsSubidUser { get; init; } = "kubelet";

    /// <summary>An explicit range for those IDs ("FIRST:LENGTH"), instead of the subordinate IDs of <see cref="UsernsSubidUser"/>.</summary>
    public string? UsernsRange { get; init; }

    public string SandboxesDir => Path.Combine(Root, "sandboxes");

    public string ContainersDir => Path.Combine(Root, "containers");

    public string PodsDir => Path.Combine(Root, "pods");

    public string ImagesDir => Path.Combine(Root, "images");

    public string RuncRoot => Path.Combine(RunRoot, "runc");

    public string ExitDir => Path.Combine(RunRoot, "exits");

    public string BundlesDir => Path.Combine(RunRoot, "bundles");

    public string SocketsDir => Path.Combine(RunRoot, "attach");

    /// <summary>Pinned network namespaces of sandboxes (bind mounts of nsfs files), named by sandbox id.</summary>
    public string NetnsDir => Path.Combine(RunRoot, "netns");
}

/// <summary>The MemoryQoS feature gate with memoryThrottlingFactor and memoryReservationPolicy.</summary>
public sealed record MemoryQosOptions(bool Enabled, double ThrottlingFactor, Berth.Core.Planning.MemoryReservationPolicy ReservationPolicy)
{
    /// <summary>The planner's settings on a node: none when the gate is off or the node is on
    /// cgroup v1 (Memory QoS is a cgroup v2 feature; the kubelet ignores the gate there too).</summary>
    public Berth.Core.Planning.MemoryQosSettings? For(int cgroupVersion, long allocatableMemory) =>
        Enabled && cgroupVersion == 2
            ? new(ThrottlingFactor, ReservationPolicy, allocatableMemory, Environment.SystemPageSize)
            : null;
}
