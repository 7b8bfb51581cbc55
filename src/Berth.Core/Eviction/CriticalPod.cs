using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>
/// The kubelet's IsCriticalPod (pkg/kubelet/types/pod_update.go): a static pod, a mirror pod or a
/// pod whose priority is at least system-critical. The eviction manager never evicts one and its
/// admission handler always admits one.
/// </summary>
public static class CriticalPod
{
    /// <summary>scheduling.SystemCriticalPriority: twice the highest user-definable priority (10^9).</summary>
    public const int SystemCriticalPriority = 2_000_000_000;

    /// <summary>The kubelet's record of where a pod came from ("file", "http" or "api").</summary>
    public const string ConfigSourceAnnotation = "kubernetes.io/config.source";

    public const string ConfigMirrorAnnotation = "kubernetes.io/config.mirror";

    public static bool Is(V1Pod pod) => IsStatic(pod) || (pod.Spec?.Priority ?? 0) >= SystemCriticalPriority;

    /// <summary>IsStaticPod (a source other than the API server) or IsMirrorPod.</summary>
    public static bool IsStatic(V1Pod pod)
    {
        var annotations = pod.Metadata?.Annotations;
        if (annotations is null)
        {
            return false;
        }

        return (annotations.TryGetValue(ConfigSourceAnnotation, out var source) && source != "api")
            || annotations.ContainsKey(ConfigMirrorAnnotation);
    }
}
