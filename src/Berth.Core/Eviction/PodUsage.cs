using Berth.Core.Admission;
using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>Bytes and inodes a pod or container uses on one filesystem (statsapi.FsStats' usedBytes, inodesUsed).</summary>
public sealed record FsUsage(long Bytes, long Inodes)
{
    public static readonly FsUsage None = new(0, 0);

    public FsUsage Plus(FsUsage other) => new(Bytes + other.Bytes, Inodes + other.Inodes);
}

/// <summary>
/// A container as the eviction message sees it: its requests as written in the pod (printed as
/// written) and what it uses. Null usage means the statistics did not include it.
/// </summary>
public sealed record ContainerUsage(string Name)
{
    public FormattedQuantity? MemoryRequest { get; init; }

    public FormattedQuantity? EphemeralStorageRequest { get; init; }

    /// <summary>The container's memory working set in bytes.</summary>
    public long? MemoryWorkingSet { get; init; }

    /// <summary>The container's writable layer.</summary>
    public FsUsage? Rootfs { get; init; }

    /// <summary>The container's logs.</summary>
    public FsUsage? Logs { get; init; }
}

/// <summary>
/// What the eviction manager knows of one active pod: who it is, what protects it (priority,
/// static), its requests as the kubelet sums them (<see cref="From"/>) and its usage
/// from the node's statistics. <see cref="HasStats"/> false means the statistics had no entry for
/// the pod; the kubelet ranks such pods first.
/// </summary>
public sealed record PodUsage(string Uid, string Namespace, string Name)
{
    public QosClass Qos { get; init; } = QosClass.BestEffort;

    /// <summary>spec.priority; 0 when unset (corev1helpers.PodPriority).</summary>
    public int Priority { get; init; }

    /// <summary>A static (file-sourced) or mirror pod: never evicted, never re-admitted.</summary>
    public bool IsStatic { get; init; }

    /// <summary>The pod's memory request in bytes (GetResourceRequestQuantity).</summary>
    public long MemoryRequest { get; init; }

    /// <summary>The pod's ephemeral-storage request in bytes.</summary>
    public long EphemeralStorageRequest { get; init; }

    /// <summary>A pod-level memory request (KEP-2837), printed in the eviction message when set.</summary>
    public FormattedQuantity? PodLevelMemoryRequest { get; init; }

    public IReadOnlyList<ContainerUsage> Containers { get; init; } = [];

    public bool HasStats { get; init; } = true;

    /// <summary>The pod cgroup's memory working set in bytes.</summary>
    public long MemoryWorkingSet { get; init; }

    /// <summary>emptyDir (not memory-backed) and hostPath volumes, which count as the pod's local storage.</summary>
    public FsUsage LocalVolumes { get; init; } = FsUsage.None;

    public long ProcessCount { get; init; }

    /// <summary>kubelettypes.IsCriticalPod: static and mirror pods, and pods at or above
    /// system-critical priority (scheduling.SystemCriticalPriority, 2000000000).</summary>
    public bool IsCritical => IsStatic || Priority >= CriticalPod.SystemCriticalPriority;

    public FsUsage Rootfs => Containers.Aggregate(FsUsage.None, (sum, c) => sum.Plus(c.Rootfs ?? FsUsage.None));

    public FsUsage Logs => Containers.Aggregate(FsUsage.None, (sum, c) => sum.Plus(c.Logs ?? FsUsage.None));

    /// <summary>
    /// The pod's identity, protection and requests, without usage (the caller adds the statistics
    /// with <c>with</c>). Requests are v1resource.GetResourceRequestQuantity's: the pod's aggregate
    /// requests (sidecars and init containers included, pod-level resources where set) plus the
    /// pod overhead. Containers are listed app containers first, then init containers.
    /// </summary>
    public static PodUsage From(V1Pod pod)
    {
        var spec = pod.Spec ?? new V1PodSpec();
        var requests = PodResources.Requests(spec);
        var overhead = ResourceList.From(spec.Overhead);
        FormattedQuantity? Request(V1Container c, string name) =>
            c.Resources?.Requests?.TryGetValue(name, out var q) == true ? FormattedQuantity.Of(q) : null;
        return new PodUsage(pod.Metadata?.Uid ?? "", pod.Metadata?.NamespaceProperty ?? "default", pod.Metadata?.Name ?? "")
        {
            Qos = QosClassifier.Classify(spec),
            Priority = spec.Priority ?? 0,
            IsStatic = CriticalPod.IsStatic(pod),
            MemoryRequest = (long)decimal.Ceiling(requests[ResourceList.Memory] + overhead[ResourceList.Memory]),
            EphemeralStorageRequest = (long)decimal.Ceiling(requests[EvictionSignals.EphemeralStorage] + overhead[EvictionSignals.EphemeralStorage]),
            PodLevelMemoryRequest = spec.Resources?.Requests?.TryGetValue(ResourceList.Memory, out var podMemory) == true ? FormattedQuantity.Of(podMemory) : null,
            Containers = (spec.Containers ?? []).Concat(spec.InitContainers ?? [])
                .Select(c => new ContainerUsage(c.Name)
                {
                    MemoryRequest = Request(c, ResourceList.Memory),
                    EphemeralStorageRequest = Request(c, EvictionSignals.EphemeralStorage),
                })
                .ToList(),
        };
    }
}
