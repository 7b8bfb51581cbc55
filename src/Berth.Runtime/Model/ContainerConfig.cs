using Berth.Core.Planning;

namespace Berth.Runtime.Model;

/// <summary>What a container needs, in CRI's terms (runtime.v1 ContainerConfig).</summary>
public sealed record ContainerConfig
{
    public required string Name { get; init; }

    public int Attempt { get; init; }

    /// <summary>Image reference or id, resolved through the image store.</summary>
    public required string Image { get; init; }

    /// <summary>Entrypoint; empty means the image's.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Arguments; empty with an empty command means the image's default command.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    public IReadOnlyList<ContainerMount> Mounts { get; init; } = [];

    public ContainerSecurity Security { get; init; } = new();

    public ContainerLimits Limits { get; init; } = new();

    public NamespaceMode Pid { get; init; } = NamespaceMode.Container;

    /// <summary>With <see cref="Pid"/> TARGET: the container (id or unique prefix) whose PID
    /// namespace this one joins, as ephemeral debug containers do. It must be running.</summary>
    public string? PidTarget { get; init; }

    /// <summary>POD: a private cgroup namespace rooted at the container's cgroup; NODE: the host's.</summary>
    public NamespaceMode Cgroup { get; init; } = NamespaceMode.Node;

    /// <summary>Log file relative to the sandbox's log directory ("&lt;name&gt;/&lt;attempt&gt;.log").</summary>
    public required string LogPath { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Host device nodes the container gets, with cgroup access to them.</summary>
    public IReadOnlyList<ContainerDevice> Devices { get; init; } = [];

    /// <summary>The container's stdin stays open to attaching clients (kubectl attach, run -i).</summary>
    public bool Stdin { get; init; }

    /// <summary>With <see cref="Stdin"/>: the first attached client to close its input closes the container's.</summary>
    public bool StdinOnce { get; init; }

    /// <summary>The container's process gets a terminal (its stdout and stderr become one).</summary>
    public bool Tty { get; init; }

    /// <summary>"SIGINT", "SIGQUIT", ...: what stopping sends first; null means the image's
    /// StopSignal, else SIGTERM.</summary>
    public string? StopSignal { get; init; }
}

/// <summary>How mounts below a bind mount travel between host and container.</summary>
public enum MountPropagation
{
    /// <summary>rprivate: neither way.</summary>
    Private,

    /// <summary>rslave: host mounts appear in the container.</summary>
    HostToContainer,

    /// <summary>rshared: both ways; the host side must be a shared mount.</summary>
    Bidirectional,
}

public sealed record ContainerMount(string HostPath, string ContainerPath, bool ReadOnly = false)
{
    public MountPropagation Propagation { get; init; } = MountPropagation.Private;
}

/// <param name="Permissions">cgroup device access: any of "r", "w" and "m".</param>
public sealed record ContainerDevice(string HostPath, string ContainerPath, string Permissions = "rwm");

public enum SeccompProfileType
{
    /// <summary>Berth's default filter (<see cref="Oci.Spec.SeccompDefaults"/>).</summary>
    RuntimeDefault,

    Unconfined,

    /// <summary>A runtime-spec seccomp JSON file on the node.</summary>
    Localhost,
}

/// <param name="LocalhostPath">The profile file, for <see cref="SeccompProfileType.Localhost"/>.</param>
public sealed record SeccompProfile(SeccompProfileType Type, string? LocalhostPath = null);

public sealed record ContainerSecurity
{
    public bool Privileged { get; init; }

    public long? RunAsUser { get; init; }

    public long? RunAsGroup { get; init; }

    public IReadOnlyList<long> SupplementalGroups { get; init; } = [];

    public bool ReadOnlyRootFilesystem { get; init; }

    public bool NoNewPrivileges { get; init; }

    public IReadOnlyList<string> AddCapabilities { get; init; } = [];

    public IReadOnlyList<string> DropCapabilities { get; init; } = [];

    /// <summary>Capabilities kept across execve of an unprivileged program (ambient set).</summary>
    public IReadOnlyList<string> AddAmbientCapabilities { get; init; } = [];

    /// <summary>A user name from the image's /etc/passwd; <see cref="RunAsUser"/> wins over it.</summary>
    public string? RunAsUsername { get; init; }

    /// <summary>Only <see cref="SupplementalGroups"/>, without the groups the image's /etc/group
    /// gives the user (CRI's SupplementalGroupsPolicy Strict).</summary>
    public bool StrictSupplementalGroups { get; init; }

    /// <summary>Null: the runtime's defaults; a list (even empty) replaces them.</summary>
    public IReadOnlyList<string>? MaskedPaths { get; init; }

    /// <summary>Null: the runtime's defaults; a list (even empty) replaces them.</summary>
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }

    /// <summary>Null: no filter, as before Kubernetes' SeccompDefault. Privileged containers never get one.</summary>
    public SeccompProfile? Seccomp { get; init; }

    /// <summary>Refuse (CreateContainerConfigError) a container whose user is, or may be, root.</summary>
    public bool RunAsNonRoot { get; init; }

    /// <summary>A loaded AppArmor profile; null runs without one. Privileged containers never get one.</summary>
    public string? AppArmorProfile { get; init; }

    /// <summary>The SELinux process label (user:role:type:level); null for none.</summary>
    public string? SelinuxLabel { get; init; }
}

public sealed record ContainerLimits
{
    /// <summary>Null leaves the kernel's default (1024) for a new cgroup.</summary>
    public long? CpuShares { get; init; } = CgroupMath.MinShares;

    public long? CpuQuota { get; init; }

    public long? CpuPeriod { get; init; }

    public long? MemoryLimit { get; init; }

    public int OomScoreAdj { get; init; }

    /// <summary>cpuset.cpus ("0-1,3"); null inherits the parent's.</summary>
    public string? CpusetCpus { get; init; }

    /// <summary>cpuset.mems; null inherits the parent's.</summary>
    public string? CpusetMems { get; init; }

    /// <summary>cgroup v2 files to write as given (the CRI's and the OCI spec's "unified"):
    /// Memory QoS's memory.min, memory.low and memory.high. Null or empty writes none.</summary>
    public IReadOnlyDictionary<string, string>? Unified { get; init; }
}
