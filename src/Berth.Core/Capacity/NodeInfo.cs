using k8s.Models;

namespace Berth.Core.Capacity;

/// <summary>What admission knows of the node: its name, labels and taints, what pods may
/// request (allocatable) and how many pods it runs (maxPods).</summary>
public sealed record NodeInfo(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<V1Taint> Taints,
    NodeResources Allocatable,
    int MaxPods)
{
    /// <summary>The labels the kubelet gives every Linux node, before --node-labels.</summary>
    public static IReadOnlyDictionary<string, string> WellKnownLabels(string name, string arch) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kubernetes.io/hostname"] = name,
        ["kubernetes.io/os"] = "linux",
        ["kubernetes.io/arch"] = arch,
        ["beta.kubernetes.io/os"] = "linux",
        ["beta.kubernetes.io/arch"] = arch,
    };
}

/// <summary>Why the kubelet refused a pod: its admission reason (OutOfcpu, NodeAffinity, ...),
/// the message it records, and the manifest field that asked for what the node cannot give.</summary>
public sealed record AdmissionRejection(string Reason, string Message, string Path);
