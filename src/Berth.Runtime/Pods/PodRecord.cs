using Berth.Core.Planning;

namespace Berth.Runtime.Pods;

/// <summary>A pod the agent runs from a manifest, as stored on disk.</summary>
public sealed record PodRecord
{
    public required string Uid { get; init; }

    public required string Name { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The pod manifest as Kubernetes JSON (the upstream model), for recreation.</summary>
    public required string ManifestJson { get; init; }

    public bool? HostCgroupNamespace { get; init; }

    public required PodPlan Plan { get; init; }

    public string? SandboxId { get; init; }

    public IReadOnlyList<PodContainer> Containers { get; init; } = [];

    public IReadOnlyList<PodEvent> Events { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Why the pod could not run, when it could not.</summary>
    public string? Message { get; init; }
}

/// <summary>A container of the pod: its name in the manifest and its current runtime container.</summary>
public sealed record PodContainer(string Name, bool Init, string? Id, int RestartCount);

/// <summary>Something that happened to a pod, in the kubelet's event vocabulary.</summary>
public sealed record PodEvent(DateTimeOffset Time, string Type, string Reason, string Message, string? Container = null);
