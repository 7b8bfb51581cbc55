using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Oci.Spec;

// The subset of the OCI runtime-spec 1.0.2 config.json that Berth writes
// (https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md). Field names are the
// spec's; nulls are omitted so the runtime applies its own defaults.

public sealed record RuntimeSpec
{
    public string OciVersion { get; init; } = "1.0.2";

    public required ProcessSpec Process { get; init; }

    public required RootSpec Root { get; init; }

    public string? Hostname { get; init; }

    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public required LinuxSpec Linux { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}

public sealed record ProcessSpec
{
    public bool Terminal { get; init; }

    public UserSpec User { get; init; } = new();

    public required IReadOnlyList<string> Args { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string Cwd { get; init; } = "/";

    public CapabilitiesSpec? Capabilities { get; init; }

    public IReadOnlyList<RlimitSpec>? Rlimits { get; init; }

    public bool NoNewPrivileges { get; init; }

    public int? OomScoreAdj { get; init; }

    /// <summary>A loaded AppArmor profile to confine the process with.</summary>
    public string? ApparmorProfile { get; init; }

    /// <summary>The SELinux label the process runs with.</summary>
    public string? SelinuxLabel { get; init; }
}

public sealed record UserSpec
{
    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public IReadOnlyList<uint>? AdditionalGids { get; init; }
}

public sealed record CapabilitiesSpec(
    IReadOnlyList<string> Bounding,
    IReadOnlyList<string> Effective,
    IReadOnlyList<string> Permitted,
    IReadOnlyList<string> Inheritable,
    IReadOnlyList<string> Ambient)
{
    /// <summary>The same set in every list but ambient, as containerd and CRI-O do.</summary>
    public static CapabilitiesSpec Of(IReadOnlyList<string> caps) => new(caps, caps, caps, [], []);
}

public sealed record RlimitSpec(string Type, ulong Hard, ulong Soft);

public sealed record RootSpec(string Path, bool Readonly);

public sealed record MountSpec(string Destination, string Type, string Source, IReadOnlyList<string> Options);

public sealed record LinuxSpec
{
    public IReadOnlyList<NamespaceSpec> Namespaces { get; init; } = [];

    public string? CgroupsPath { get; init; }

    public ResourcesSpec? Resources { get; init; }

    public IReadOnlyList<string>? MaskedPaths { get; init; }

    public IReadOnlyList<string>? ReadonlyPaths { get; init; }

    public IReadOnlyDictionary<string, string>? Sysctl { get; init; }

    public string? RootfsPropagation { get; init; }

    /// <summary>Device nodes runc creates in the container's /dev.</summary>
    public IReadOnlyList<LinuxDeviceSpec>? Devices { get; init; }

    public SeccompSpec? Seccomp { get; init; }

    /// <summary>With a user namespace: how its uids map to the host's (config-linux.md).</summary>
    public IReadOnlyList<IdMappingSpec>? UidMappings { get; init; }

    public IReadOnlyList<IdMappingSpec>? GidMappings { get; init; }

    /// <summary>The SELinux label of the container's mounts.</summary>
    public string? MountLabel { get; init; }
}

/// <summary>IDs ContainerID..ContainerID+Size-1 inside are HostID..HostID+Size-1 on the host.</summary>
public sealed record IdMappingSpec(
    [property: JsonPropertyName("containerID")] uint ContainerId,
    [property: JsonPropertyName("hostID")] uint HostId,
    uint Size);

public sealed record NamespaceSpec(string Type, string? Path = null);

public sealed record ResourcesSpec
{
    public IReadOnlyList<DeviceRuleSpec>? Devices { get; init; }

    public MemorySpec? Memory { get; init; }

    public CpuSpec? Cpu { get; init; }

    public PidsSpec? Pids { get; init; }

    /// <summary>cgroup v2 files by name ("memory.high"), written as given; runc refuses them on v1.</summary>
    public IReadOnlyDictionary<string, string>? Unified { get; init; }
}

public sealed record DeviceRuleSpec(bool Allow, string Access, string? Type = null, long? Major = null, long? Minor = null);

public sealed record MemorySpec(long? Limit);

public sealed record CpuSpec(ulong? Shares, long? Quota, ulong? Period)
{
    /// <summary>cpuset.cpus, e.g. "0-2,4".</summary>
    public string? Cpus { get; init; }

    /// <summary>cpuset.mems.</summary>
    public string? Mems { get; init; }
}

public sealed record PidsSpec(long Limit);

/// <param name="Type">"c" (character) or "b" (block).</param>
public sealed record LinuxDeviceSpec(string Path, string Type, long Major, long Minor)
{
    public uint? FileMode { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }
}
