using k8s.Models;

namespace Berth.Core.Manifests;

/// <summary>A Pod read from a manifest, with the fields the upstream model does not carry yet.</summary>
/// <param name="Source">Where it was read from, for messages.</param>
/// <param name="Pod">The pod as the KubernetesClient model.</param>
/// <param name="HostCgroupNamespace">KEP-5714 <c>spec.hostCgroupNamespace</c>; null when unset.</param>
public sealed record PodManifest(string Source, V1Pod Pod, bool? HostCgroupNamespace)
{
    /// <summary>What was read but ignored (unknown fields, fields the catalog warns about), for
    /// the user and the pod's Warning events.</summary>
    public IReadOnlyList<FieldError> Warnings { get; init; } = [];
}

/// <summary>Everything read from a set of manifest files.</summary>
public sealed record ManifestSet(
    IReadOnlyList<PodManifest> Pods,
    IReadOnlyList<V1LimitRange> LimitRanges,
    IReadOnlyList<V1Namespace> Namespaces,
    IReadOnlyList<FieldError> Warnings)
{
    /// <summary>Secrets that came with the pods (image pull credentials).</summary>
    public IReadOnlyList<V1Secret> Secrets { get; init; } = [];
}
