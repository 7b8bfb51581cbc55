using System.Text.Json.Serialization;
using Berth.Core.Lifecycle;
using Berth.Core.Planning;
using k8s;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>Where a pod is in its own life, as opposed to its phase (which its containers decide).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PodLifecycle>))]
public enum PodLifecycle
{
    /// <summary>Being created by play: a crash now means roll back on the next start (whole or nothing).</summary>
    Creating,

    /// <summary>Created; the supervisor keeps it as its spec says.</summary>
    Active,

    /// <summary>Its sandbox changed under restartPolicy Never: nothing will run again.</summary>
    Finished,
}

/// <summary>A pod the agent runs from a manifest, as stored on disk.</summary>
public sealed record PodRecord
{
    private readonly string manifestJson = "";
    private V1Pod? manifest;

    public required string Uid { get; init; }

    public required string Name { get; init; }

    public required string Namespace { get; init; }

    /// <summary>The pod manifest as Kubernetes JSON (the upstream model), for recreation.</summary>
    public required string ManifestJson
    {
        get => manifestJson;
        init
        {
            manifestJson = value;
            manifest = null;
        }
    }

    /// <summary>
    /// The manifest as the upstream model, parsed once per stored record and carried along by
    /// <c>with</c> (the copy keeps the cache; a new <see cref="ManifestJson"/> drops it). Shared:
    /// read it, never change it.
    /// </summary>
    [JsonIgnore]
    public V1Pod Manifest => manifest ??= KubernetesJson.Deserialize<V1Pod>(manifestJson, null);

    /// <summary>spec.restartPolicy, Always when unset.</summary>
    [JsonIgnore]
    public RestartPolicy RestartPolicy => RestartPolicies.Parse(Manifest.Spec?.RestartPolicy);

    public bool? HostCgroupNamespace { get; init; }

    public required PodPlan Plan { get; init; }

    public PodLifecycle Lifecycle { get; init; }

    public string? SandboxId { get; init; }

    /// <summary>How many sandboxes this pod has had (CRI's attempt).</summary>
    public int SandboxAttempt { get; init; }

    /// <summary>"file:&lt;path&gt;" for static pods; null for pods played through the API.</summary>
    public string? Source { get; init; }

    public IReadOnlyList<PodContainer> Containers { get; init; } = [];

    public IReadOnlyList<PodEvent> Events { get; init; } = [];

    /// <summary>The container values a LimitRange set at admission (the manifest carries the
    /// kubernetes.io/limit-ranger annotation; this says which LimitRange set what).</summary>
    public IReadOnlyList<Core.Admission.LimitRangeProvenance> LimitRangeDefaults { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Why the pod could not run, when it could not.</summary>
    public string? Message { get; init; }

    /// <summary>status.reason: why the node ended the pod as a whole ("Evicted"); such a pod is Failed.</summary>
    public string? Reason { get; init; }

    /// <summary>Conditions the node added to the pod's status beside those its containers decide
    /// (DisruptionTarget when it was evicted).</summary>
    public IReadOnlyList<PodNodeCondition> NodeConditions { get; init; } = [];
}

/// <summary>A pod condition the node set, with the reason and message the kubelet writes.</summary>
public sealed record PodNodeCondition(string Type, string Status, string Reason, string Message, DateTimeOffset LastTransitionTime);

/// <summary>How a container instance ended.</summary>
public sealed record Termination(int ExitCode, string Reason, int? Signal, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>A container of the pod: its name in the manifest, its current runtime container and
/// what the kubelet tracks across its restarts.</summary>
public sealed record PodContainer(string Name, bool Init, string? Id, int RestartCount)
{
    /// <summary>A restartable init container (restartPolicy: Always): a sidecar.</summary>
    public bool Sidecar { get; init; }

    /// <summary>The previous instance's end, for `ps`, `inspect` and `logs --previous`.</summary>
    public Termination? LastState { get; init; }

    /// <summary>The next restart is not before this (CrashLoopBackOff).</summary>
    public DateTimeOffset? BackoffUntil { get; init; }

    /// <summary>The delay the last back-off used; doubles up to the cap.</summary>
    public TimeSpan Backoff { get; init; }

    /// <summary>Done for good: a completed init container, or one the restart policy keeps down.</summary>
    public bool Done { get; init; }

    /// <summary>Why the next instance could not be configured (<see cref="ContainerConfigException"/>);
    /// null once it could. The container waits as CreateContainerConfigError meanwhile.</summary>
    public string? ConfigError { get; init; }
}

/// <summary>Something that happened to a pod, in the kubelet's event vocabulary.</summary>
public sealed record PodEvent(DateTimeOffset Time, string Type, string Reason, string Message, string? Container = null)
{
    /// <summary>The kubelet's annotated events: an eviction's offending_containers,
    /// offending_containers_usage and starved_resource. Null for every other event.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
