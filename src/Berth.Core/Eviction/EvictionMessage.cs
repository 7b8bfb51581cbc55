using System.Text;
using Berth.Core.Admission;
using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>
/// The message and event annotations the kubelet writes for an eviction under node pressure
/// (evictionMessage and getThresholdMetInfo in pkg/kubelet/eviction/helpers.go), quantities
/// printed as apimachinery's Quantity.String() prints them.
/// </summary>
public static class EvictionMessage
{
    /// <summary>The pod status reason of an evicted pod, and of a pod refused under pressure.</summary>
    public const string Reason = "Evicted";

    public const string OffendingContainersKey = "offending_containers";
    public const string OffendingContainersUsageKey = "offending_containers_usage";
    public const string OffendingPodKey = "offending_pod";
    public const string OffendingPodUsageKey = "offending_pod_usage";
    public const string StarvedResourceKey = "starved_resource";

    /// <summary>
    /// "The node was low on resource: R. ", then "Threshold quantity: Q, available: A. " from the
    /// first of <paramref name="thresholds"/> about the same resource, then for memory a pod-level
    /// request's "Pod ... " part, then one "Container ... " part per container using more than it
    /// requests of the resource (memory: working set; ephemeral-storage: writable layer plus logs).
    /// A pod without statistics gets the node parts only, and no annotations.
    /// </summary>
    public static (string Message, IReadOnlyDictionary<string, string> Annotations) Compose(
        string resource, PodUsage pod, IEnumerable<SignalThreshold> thresholds, IReadOnlyDictionary<string, SignalObservation> observations)
    {
        var message = new StringBuilder($"The node was low on resource: {resource}. ");
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var threshold in thresholds.Where(t => EvictionSignals.ResourceOf(t.Signal) == resource))
        {
            if (observations.TryGetValue(threshold.Signal, out var observed))
            {
                message.Append($"Threshold quantity: {ThresholdText(threshold, observed)}, available: {AvailableText(threshold.Signal, observed)}. ");
                break;
            }
        }

        if (!pod.HasStats)
        {
            return (message.ToString(), annotations);
        }

        if (resource == EvictionSignals.Memory && pod.PodLevelMemoryRequest is { } podRequest)
        {
            // The kubelet prints the pod part whenever a pod-level request is set, used above it or not.
            var podUsage = Bytes(pod.MemoryWorkingSet);
            message.Append($"Pod {pod.Name} was using {podUsage}, request is {podRequest}, has larger consumption of {resource}. ");
            annotations[OffendingPodKey] = pod.Name;
            annotations[OffendingPodUsageKey] = podUsage.ToString();
        }

        var offending = new List<string>();
        var usages = new List<string>();
        foreach (var container in pod.Containers)
        {
            var (usage, request) = resource switch
            {
                EvictionSignals.Memory => (container.MemoryWorkingSet is { } ws ? Bytes(ws) : (FormattedQuantity?)null, container.MemoryRequest),
                EvictionSignals.EphemeralStorage => (container is { Rootfs: { } root, Logs: { } logs } ? Bytes(root.Bytes + logs.Bytes) : (FormattedQuantity?)null, container.EphemeralStorageRequest),
                _ => (null, null),
            };
            var requested = request ?? new FormattedQuantity(0m, ResourceQuantity.SuffixFormat.DecimalSI);
            if (usage is { } used && used.Value > requested.Value)
            {
                message.Append($"Container {container.Name} was using {used}, request is {requested}, has larger consumption of {resource}. ");
                offending.Add(container.Name);
                usages.Add(used.ToString());
            }
        }

        annotations[OffendingContainersKey] = string.Join(",", offending);
        annotations[OffendingContainersUsageKey] = string.Join(",", usages);
        annotations[StarvedResourceKey] = resource;
        return (message.ToString(), annotations);
    }

    /// <summary>An amount prints as it was written; a percentage's quantity prints in binary suffixes.</summary>
    private static string ThresholdText(SignalThreshold threshold, SignalObservation observed)
    {
        var format = threshold.Level.Amount is null ? ResourceQuantity.SuffixFormat.BinarySI : threshold.Level.AmountFormat;
        return new FormattedQuantity(threshold.QuantityFor(observed.Capacity), format).ToString();
    }

    /// <summary>makeSignalObservations: bytes are binary quantities, inodes and pids decimal ones.</summary>
    private static string AvailableText(string signal, SignalObservation observed) =>
        new FormattedQuantity(observed.Available, EvictionSignals.IsBytes(signal) ? ResourceQuantity.SuffixFormat.BinarySI : ResourceQuantity.SuffixFormat.DecimalSI).ToString();

    private static FormattedQuantity Bytes(long value) => new(value, ResourceQuantity.SuffixFormat.BinarySI);
}
