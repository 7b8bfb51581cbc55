namespace Berth.Core.Planning;

/// <summary>
/// Everything Berth decides about a pod before touching the node. Serialized as the stable
/// <c>berth plan -o json</c> contract: property names and nulls for unset limits are public API.
/// </summary>
public sealed record PodPlan(
    string Name,
    string Namespace,
    string Uid,
    QosClass QosClass,
    string CgroupParent,
    long CpuShares,
    long CpuWeight,
    long? CpuQuota,
    long? CpuPeriod,
    long? MemoryLimit,
    long? PidsLimit,
    NamespacePlan Namespaces,
    IReadOnlyList<ContainerPlan> Containers)
{
    /// <summary>memory.min and memory.low of the pod cgroup under Memory QoS (KEP-2570).</summary>
    public MemoryProtection Memory { get; init; } = MemoryProtection.Off;
}

public sealed record ContainerPlan(
    string Name,
    bool Init,
    bool Privileged,
    long CpuShares,
    long? CpuQuota,
    long? CpuPeriod,
    long? MemoryLimit,
    int OomScoreAdj,
    NamespacePlan Namespaces)
{
    /// <summary>memory.min, memory.low and memory.high of the container under Memory QoS.</summary>
    public MemoryProtection Memory { get; init; } = MemoryProtection.Off;
}
