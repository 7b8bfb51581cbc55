using Berth.Core.Capacity;
using Berth.Core.Security.PodSecurity;
using k8s.Models;

namespace Berth.Runtime;

/// <summary>
/// The kubelet's node protection settings as Berth applies them: reservations and which of them
/// are enforced on cgroups (node allocatable), the hard and soft eviction thresholds, and what
/// admission checks pods against (maxPods, the node's name, labels and taints).
/// </summary>
public sealed record NodeProtectionOptions
{
    /// <summary>systemReserved: what the operating system's daemons keep.</summary>
    public NodeResources SystemReserved { get; init; } = NodeResources.None;

    /// <summary>kubeReserved: what the node agent and runtime keep.</summary>
    public NodeResources KubeReserved { get; init; } = NodeResources.None;

    /// <summary>systemReservedCgroup: where system-reserved is enforced (an existing cgroup).</summary>
    public string? SystemReservedCgroup { get; init; }

    /// <summary>kubeReservedCgroup: where kube-reserved is enforced (an existing cgroup).</summary>
    public string? KubeReservedCgroup { get; init; }

    /// <summary>enforceNodeAllocatable; the kubelet's default is pods.</summary>
    public AllocatableEnforcement Enforce { get; init; } = AllocatableEnforcement.Pods;

    /// <summary>evictionHard (the kubelet's Linux defaults unless configured).</summary>
    public IReadOnlyList<EvictionThreshold> EvictionHard { get; init; } = EvictionThresholds.DefaultHard;

    /// <summary>evictionSoft.</summary>
    public IReadOnlyList<EvictionThreshold> EvictionSoft { get; init; } = [];

    /// <summary>evictionSoftGracePeriod, by signal.</summary>
    public IReadOnlyDictionary<string, TimeSpan> EvictionSoftGracePeriod { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>evictionPressureTransitionPeriod (the kubelet's default is 5 minutes).</summary>
    public TimeSpan EvictionPressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>evictionMinimumReclaim, by signal: how far past its threshold a signal must recover
    /// before the eviction manager stops reclaiming (none by default).</summary>
    public IReadOnlyDictionary<string, EvictionThreshold> EvictionMinimumReclaim { get; init; } = new Dictionary<string, EvictionThreshold>();

    /// <summary>evictionMaxPodGracePeriod: the longest termination grace period, in seconds, a pod
    /// evicted for a soft threshold gets (the kubelet's default 0); negative defers to the pod's own.</summary>
    public int EvictionMaxPodGracePeriod { get; init; }

    /// <summary>maxPods (the kubelet's default is 110).</summary>
    public int MaxPods { get; init; } = 110;

    /// <summary>The node's name; the host name when not set (--hostname-override).</summary>
    public string? NodeName { get; init; }

    /// <summary>--node-labels, on top of the labels every node has.</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>--register-with-taints.</summary>
    public IReadOnlyList<V1Taint> Taints { get; init; } = [];

    /// <summary>--pod-security-config: the Pod Security levels of namespaces without labels, and
    /// the exemptions (privileged everywhere unless configured, as the API server's default).</summary>
    public PodSecurityConfiguration PodSecurity { get; init; } = PodSecurityConfiguration.Default;

    /// <summary>The name the node goes by: <see cref="NodeName"/>, or the host name in lower case, as the kubelet's.</summary>
    public string EffectiveNodeName => NodeName ?? Environment.MachineName.ToLowerInvariant();
}
