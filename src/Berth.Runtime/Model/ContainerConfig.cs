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

    /// <summary>POD: a private cgroup namespace rooted at the container's cgroup; NODE: the host's.</summary>
    public NamespaceMode Cgroup { get; init; } = NamespaceMode.Node;

    /// <summary>Log file relative to the sandbox's log directory ("&lt;name&gt;/&lt;attempt&gt;.log").</summary>
    public required string LogPath { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}

public sealed record ContainerMount(string HostPath, string ContainerPath, bool ReadOnly = false);

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
}

public sealed record ContainerLimits
{
    public long CpuShares { get; init; } = CgroupMath.MinShares;

    public long? CpuQuota { get; init; }

    public long? CpuPeriod { get; init; }

    public long? MemoryLimit { get; init; }

    public int OomScoreAdj { get; init; }
}
