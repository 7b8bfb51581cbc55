using k8s.Models;

namespace Berth.Core.Security.PodSecurity;

/// <summary>One container of any kind, with the path of its list entry
/// (<c>spec.initContainers[0]</c>): PSA treats init, regular and ephemeral containers alike.</summary>
internal sealed record PodSecurityContainer(
    string Name,
    string Path,
    V1SecurityContext? SecurityContext,
    IList<V1ContainerPort>? Ports,
    V1Probe? LivenessProbe,
    V1Probe? ReadinessProbe,
    V1Probe? StartupProbe,
    V1Lifecycle? Lifecycle)
{
    public string SecurityPath(string field) => $"{Path}.securityContext.{field}";
}

/// <summary>What the checks read: the pod, and KEP-5714's <c>spec.hostCgroupNamespace</c>
/// which the upstream model does not carry yet.</summary>
internal sealed class PodSecurityInput
{
    public PodSecurityInput(V1Pod pod, bool? hostCgroupNamespace)
    {
        Spec = pod.Spec ?? new V1PodSpec();
        Annotations = pod.Metadata?.Annotations ?? new Dictionary<string, string>();
        HostCgroupNamespace = hostCgroupNamespace;
        Containers = [.. ContainersOf(Spec)];
    }

    public V1PodSpec Spec { get; }

    public IDictionary<string, string> Annotations { get; }

    public bool? HostCgroupNamespace { get; }

    /// <summary>In PSA's visiting order: init containers, containers, ephemeral containers.</summary>
    public IReadOnlyList<PodSecurityContainer> Containers { get; }

    public V1PodSecurityContext? PodSecurity => Spec.SecurityContext;

    /// <summary>PSA's relaxPolicyForUserNamespacePod: the pod asks for its own user namespace.</summary>
    public bool InUserNamespace => Spec.HostUsers == false;

    /// <summary>From v1.25 the restricted checks that Windows pods cannot meet skip pods with
    /// <c>spec.os.name: windows</c> (the API server refuses those fields on them).</summary>
    public bool IsWindows => Spec.Os?.Name == "windows";

    private static IEnumerable<PodSecurityContainer> ContainersOf(V1PodSpec spec)
    {
        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            var c = spec.InitContainers![i];
            yield return new(c.Name ?? "", $"spec.initContainers[{i}]", c.SecurityContext, c.Ports, c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle);
        }

        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            var c = spec.Containers![i];
            yield return new(c.Name ?? "", $"spec.containers[{i}]", c.SecurityContext, c.Ports, c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle);
        }

        for (var i = 0; i < (spec.EphemeralContainers?.Count ?? 0); i++)
        {
            var c = spec.EphemeralContainers![i];
            yield return new(c.Name ?? "", $"spec.ephemeralContainers[{i}]", c.SecurityContext, c.Ports, c.LivenessProbe, c.ReadinessProbe, c.StartupProbe, c.Lifecycle);
        }
    }
}
