using System.Text.Json.Serialization;
using Berth.Runtime.Store;

namespace Berth.Runtime.Model;

[JsonConverter(typeof(JsonStringEnumConverter<SandboxState>))]
public enum SandboxState
{
    Ready,
    NotReady,
}

[JsonConverter(typeof(JsonStringEnumConverter<ContainerState>))]
public enum ContainerState
{
    [JsonStringEnumMemberName("created")]
    Created,

    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("exited")]
    Exited,
}

/// <summary>A pod sandbox as stored on disk: its config and what the node made of it.</summary>
public sealed record SandboxRecord : IStatefulRecord<SandboxState>
{
    public required string Id { get; init; }

    public required SandboxConfig Config { get; init; }

    public SandboxState State { get; init; }

    /// <summary>The infra process (catatonit) pid on the host; 0 once it is gone.</summary>
    public int InfraPid { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The infra process's start time (clock ticks since boot), to tell it from a reused pid.</summary>
    public ulong InfraStartTime { get; init; }

    /// <summary>Namespace inodes pinned at creation, to tell a live infra from a reused pid.</summary>
    public IReadOnlyDictionary<string, ulong> NamespaceInodes { get; init; } = new Dictionary<string, ulong>();

    /// <summary>The pod network CNI set up; null for host network, without a CNI configuration,
    /// and once torn down.</summary>
    public Network.SandboxNetwork? Network { get; init; }

    /// <summary>The pod's addresses (IPv4 first), kept after the network is torn down, as the
    /// kubelet still reads them from a stopped sandbox.</summary>
    public IReadOnlyList<string> Ips { get; init; } = [];
}

/// <summary>A container as stored on disk.</summary>
public sealed record ContainerRecord : IStatefulRecord<ContainerState>
{
    public required string Id { get; init; }

    public required string SandboxId { get; init; }

    public required ContainerConfig Config { get; init; }

    public required string ImageId { get; init; }

    public ContainerState State { get; init; }

    public int Pid { get; init; }

    /// <summary>The init process's start time (clock ticks since boot), to tell it from a reused pid.</summary>
    public ulong StartTime { get; init; }

    /// <summary>The container's conmon, and its start time: while it lives, an exit file is coming.</summary>
    public int MonitorPid { get; init; }

    public ulong MonitorStartTime { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>The signal that ended the process, when one did (exit code 128 + signal).</summary>
    public int? Signal { get; init; }

    /// <summary>Completed, Error, OOMKilled or ContainerCannotRun.</summary>
    public string? Reason { get; init; }

    public string? Message { get; init; }

    /// <summary>The container's cgroup, as /proc/&lt;pid&gt;/cgroup names it on the host.</summary>
    public required string CgroupPath { get; init; }

    /// <summary>Absolute path of the CRI log file.</summary>
    public required string LogFile { get; init; }

    /// <summary>"repository@sha256:…" of the image when it came from a registry (CRI's image_ref);
    /// null for an imported root filesystem.</summary>
    public string? ImageRepoDigest { get; init; }

    /// <summary>The ids the container's process runs with, as resolved at creation.</summary>
    public ContainerUserIds? User { get; init; }

    /// <summary>The signal stopping sends first (from the config, else the image); null is SIGTERM.</summary>
    public int? StopSignal { get; init; }
}

public sealed record ContainerUserIds(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids);
