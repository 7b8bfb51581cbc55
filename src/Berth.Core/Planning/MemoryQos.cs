using System.Text.Json.Serialization;
using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>KubeletConfiguration memoryReservationPolicy (KEP-2570).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemoryReservationPolicy>))]
public enum MemoryReservationPolicy
{
    /// <summary>No memory.min or memory.low.</summary>
    None,

    /// <summary>memory.min for Guaranteed containers and pods, memory.low for Burstable ones;
    /// kubepods' memory.min and the burstable QoS cgroup's memory.low cover their children.</summary>
    TieredReservation,
}

/// <summary>The MemoryQoS feature gate's settings: cgroup v2 only.</summary>
/// <param name="ThrottlingFactor">memoryThrottlingFactor, in (0, 1]: where between request and
/// limit memory.high throttles.</param>
/// <param name="AllocatableMemory">Node allocatable memory in bytes: the limit a container
/// without one throttles against.</param>
/// <param name="PageSize">memory.high is rounded down to whole pages.</param>
public sealed record MemoryQosSettings(
    double ThrottlingFactor,
    MemoryReservationPolicy ReservationPolicy,
    long AllocatableMemory,
    long PageSize = 4096)
{
    public const double DefaultThrottlingFactor = 0.9;
}

/// <summary>Memory values of one cgroup under Memory QoS; null leaves the kernel's default.</summary>
public sealed record MemoryProtection(long? Min = null, long? Low = null, long? High = null)
{
    public static readonly MemoryProtection Off = new();
}

/// <summary>
/// KEP-2570 Memory QoS on cgroup v2, as the kubelet maps requests and limits:
/// memory.high = floor((request + factor × (limit − request)) / page) × page for Burstable and
/// BestEffort containers (node allocatable memory stands in for a missing limit; Guaranteed
/// containers are never throttled), set only when it is above the request; and, under
/// TieredReservation, requests protected with memory.min (Guaranteed) or memory.low (Burstable).
/// </summary>
public static class MemoryQos
{
    public static MemoryProtection ForContainer(MemoryQosSettings? settings, QosClass qos, long request, long? limit)
    {
        if (settings is null)
        {
            return MemoryProtection.Off;
        }

        long? high = null;
        if (qos != QosClass.Guaranteed)
        {
            var ceiling = limit ?? settings.AllocatableMemory;
            var raw = request + (decimal)settings.ThrottlingFactor * (ceiling - request);
            var value = (long)decimal.Floor(raw / settings.PageSize) * settings.PageSize;
            high = value > request ? value : null;
        }

        var (min, low) = Protect(settings, qos, request);
        return new MemoryProtection(min, low, high);
    }

    /// <summary>The pod cgroup: its long-running containers' requests protected, never throttled.</summary>
    public static MemoryProtection ForPod(MemoryQosSettings? settings, QosClass qos, V1PodSpec spec)
    {
        if (settings is null)
        {
            return MemoryProtection.Off;
        }

        var (min, low) = Protect(settings, qos, PodResources.RunningMemoryRequests(spec));
        return new MemoryProtection(min, low);
    }

    /// <summary>kubepods' memory.min: every Guaranteed and Burstable pod's requests, so the parent
    /// covers the hard and soft protection of its children. Null without TieredReservation.</summary>
    public static long? KubepodsMin(MemoryQosSettings? settings, IEnumerable<(QosClass Qos, V1PodSpec Spec)> pods) =>
        settings?.ReservationPolicy == MemoryReservationPolicy.TieredReservation
            ? pods.Where(p => p.Qos != QosClass.BestEffort).Sum(p => PodResources.RunningMemoryRequests(p.Spec))
            : null;

    /// <summary>The burstable QoS cgroup's memory.low: its pods' requests.</summary>
    public static long? BurstableLow(MemoryQosSettings? settings, IEnumerable<V1PodSpec> burstablePods) =>
        settings?.ReservationPolicy == MemoryReservationPolicy.TieredReservation
            ? burstablePods.Sum(PodResources.RunningMemoryRequests)
            : null;

    private static (long? Min, long? Low) Protect(MemoryQosSettings settings, QosClass qos, long request) =>
        settings.ReservationPolicy != MemoryReservationPolicy.TieredReservation || request <= 0
            ? (null, null)
            : qos switch
            {
                QosClass.Guaranteed => (request, null),
                QosClass.Burstable => (null, request),
                _ => (null, null),
            };
}
