using System.Text.Json.Serialization;
using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>A namespace's owner, in CRI's words (runtime.v1 NamespaceMode).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NamespaceMode>))]
public enum NamespaceMode
{
    [JsonStringEnumMemberName("POD")]
    Pod,

    [JsonStringEnumMemberName("CONTAINER")]
    Container,

    [JsonStringEnumMemberName("NODE")]
    Node,

    [JsonStringEnumMemberName("TARGET")]
    Target,
}

/// <summary>Which namespaces a pod's containers get.</summary>
public sealed record NamespacePlan(
    NamespaceMode Network,
    NamespaceMode Ipc,
    NamespaceMode Uts,
    NamespaceMode Pid,
    NamespaceMode Cgroup)
{
    public static NamespacePlan For(V1PodSpec spec, bool? hostCgroupNamespace, int cgroupVersion)
    {
        var network = spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod;
        var pid = spec.HostPID == true ? NamespaceMode.Node
            : spec.ShareProcessNamespace == true ? NamespaceMode.Pod
            : NamespaceMode.Container;
        return new NamespacePlan(
            Network: network,
            Ipc: spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
            Uts: network, // the pod's hostname goes with its network namespace, as in the kubelet
            Pid: pid,
            Cgroup: CgroupMode(hostCgroupNamespace, IsPrivileged(spec), cgroupVersion));
    }

    /// <summary>
    /// KEP-5714: an explicit <c>spec.hostCgroupNamespace</c> wins. Unset keeps today's behaviour:
    /// on cgroup v2 a private namespace unless the pod is privileged (any container or init
    /// container), on cgroup v1 the host's (private cgroupns on v1 is opt-in). The standalone path
    /// (<see cref="For"/>) and the CRI path both decide here.
    /// </summary>
    public static NamespaceMode CgroupMode(bool? hostCgroupNamespace, bool privileged, int cgroupVersion) =>
        hostCgroupNamespace switch
        {
            true => NamespaceMode.Node,
            false => NamespaceMode.Pod,
            null when cgroupVersion >= 2 => privileged ? NamespaceMode.Node : NamespaceMode.Pod,
            null => NamespaceMode.Node,
        };

    public static bool IsPrivileged(V1PodSpec spec) =>
        (spec.Containers ?? []).Concat(spec.InitContainers ?? []).Any(IsPrivileged);

    public static bool IsPrivileged(V1Container container) => container.SecurityContext?.Privileged == true;
}
