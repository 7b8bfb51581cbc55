using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>
/// The pod chosen to be evicted and how (evictPod in eviction_manager.go): the grace period
/// override (1 second for a hard threshold, evictionMaxPodGracePeriod for a soft one), the
/// status reason and message, and the event's annotations.
/// </summary>
public sealed record PodEviction(PodUsage Pod, string Signal, long GracePeriodSeconds, string Message, IReadOnlyDictionary<string, string> Annotations)
{
    /// <summary>immediateEvictionGracePeriodSeconds: how long a pod gets under hard pressure.</summary>
    public const long ImmediateGracePeriodSeconds = 1;

    public string Reason => EvictionMessage.Reason;

    /// <summary>The DisruptionTarget condition the kubelet adds to the pod's status
    /// (PodDisruptionConditions, on by default since 1.26 and GA in 1.31).</summary>
    public V1PodCondition DisruptionTarget(DateTimeOffset now) => new()
    {
        Type = "DisruptionTarget",
        Status = "True",
        Reason = "TerminationByKubelet",
        Message = Message,
        LastTransitionTime = now.UtcDateTime,
    };
}
