using System.Globalization;
using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Capacity;

/// <summary>
/// The kubelet's predicate admission (pkg/kubelet/lifecycle/predicate.go, which runs the
/// scheduler's AdmissionCheck): the pod must fit in what the node has left of its allocatable
/// (pod count, cpu, memory, ephemeral-storage and any other requested resource), be meant for
/// this node (spec.nodeName, nodeSelector, required node affinity), claim no host port another
/// pod holds, and tolerate the node's taints. Reasons and messages are the kubelet's.
/// </summary>
/// <remarks>
/// Two choices for a node where Berth is also the scheduler: an extended resource the node does
/// not have refuses the pod (the kubelet drops it from the check, trusting the scheduler), and
/// NoSchedule taints count as well as NoExecute (the scheduler's filter). Static pods skip the
/// taint check, as in the kubelet.
/// </remarks>
public static class PodFit
{
    public const string PredicateNodeAffinity = "NodeAffinity";
    public const string PredicateNodeName = "NodeName";
    public const string PredicateNodePorts = "NodePorts";
    public const string PredicateTaints = "TaintToleration";

    /// <summary>Every reason the pod cannot run here, in the order the kubelet checks them; empty when it fits.</summary>
    /// <param name="pod">The pod to admit.</param>
    /// <param name="others">The pods the node runs now (not terminated).</param>
    /// <param name="node">The node.</param>
    /// <param name="isStatic">A static pod (from the manifests directory): taints are not checked.</param>
    public static IReadOnlyList<AdmissionRejection> Check(V1Pod pod, IReadOnlyList<V1PodSpec> others, NodeInfo node, bool isStatic = false)
    {
        var spec = pod.Spec;
        var rejections = new List<AdmissionRejection>();
        rejections.AddRange(Resources(spec, others, node));
        if (!string.IsNullOrEmpty(spec.NodeName) && spec.NodeName != node.Name)
        {
            rejections.Add(Predicate(PredicateNodeName, "node(s) didn't match the requested node name", "spec.nodeName"));
        }

        if (!NodeAffinity.Matches(spec, node))
        {
            rejections.Add(Predicate(PredicateNodeAffinity, "node(s) didn't match Pod's node affinity/selector",
                spec.NodeSelector is { Count: > 0 } ? "spec.nodeSelector" : "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"));
        }

        if (HostPortConflict(spec, others) is { } port)
        {
            rejections.Add(Predicate(PredicateNodePorts, "node(s) didn't have free ports for the requested pod ports", port));
        }

        if (!isStatic && Tolerations.FirstUntolerated(node.Taints, spec.Tolerations, t => t.Effect is "NoSchedule" or "NoExecute") is not null)
        {
            rejections.Add(Predicate(PredicateTaints, "node(s) had untolerated taint(s)", "spec.tolerations"));
        }

        return rejections;
    }

    private static AdmissionRejection Predicate(string name, string description, string path) =>
        new(name, $"Predicate {name} failed: {description}", path);

    private static IEnumerable<AdmissionRejection> Resources(V1PodSpec spec, IReadOnlyList<V1PodSpec> others, NodeInfo node)
    {
        if (others.Count + 1 > node.MaxPods)
        {
            yield return Insufficient("pods", 1, others.Count, node.MaxPods, "metadata.name");
        }

        var requested = PodResources.Requests(spec);
        var used = new ResourceList();
        foreach (var other in others)
        {
            used.Add(PodResources.Requests(other));
        }

        foreach (var (name, value) in requested.Entries.OrderBy(e => Order(e.Key)).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            if (value <= 0)
            {
                continue;
            }

            var (want, have, capacity) = name == ResourceList.Cpu
                ? (requested.MilliCpu, used.MilliCpu, node.Allocatable.MilliCpu ?? 0)
                : (Ceil(value), Ceil(used[name]), node.Allocatable[name] ?? 0);
            if (want > capacity - have)
            {
                yield return Insufficient(name, want, have, capacity, "spec.containers[*].resources.requests");
            }
        }
    }

    private static int Order(string name) => name switch
    {
        ResourceList.Cpu => 0,
        ResourceList.Memory => 1,
        NodeResources.EphemeralStorageName => 2,
        _ => 3,
    };

    private static long Ceil(decimal value) => (long)decimal.Ceiling(value);

    private static AdmissionRejection Insufficient(string resource, long requested, long used, long capacity, string path) => new(
        $"OutOf{resource}",
        string.Create(CultureInfo.InvariantCulture, $"Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, capacity: {capacity}"),
        path);

    private static string? HostPortConflict(V1PodSpec spec, IReadOnlyList<V1PodSpec> others)
    {
        var taken = others.SelectMany(HostPorts).ToList();
        foreach (var port in HostPorts(spec))
        {
            if (taken.Any(t => t.Port == port.Port && t.Protocol == port.Protocol && (t.Ip == port.Ip || t.Ip == "0.0.0.0" || port.Ip == "0.0.0.0")))
            {
                return PathOf(spec, port);
            }
        }

        return null;
    }

    private static IEnumerable<(int Port, string Protocol, string Ip)> HostPorts(V1PodSpec spec) =>
        (spec.InitContainers ?? []).Concat(spec.Containers ?? [])
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => (p.HostPort!.Value, p.Protocol ?? "TCP", string.IsNullOrEmpty(p.HostIP) ? "0.0.0.0" : p.HostIP));

    private static string PathOf(V1PodSpec spec, (int Port, string Protocol, string Ip) port)
    {
        for (var c = 0; c < (spec.Containers?.Count ?? 0); c++)
        {
            var ports = spec.Containers![c].Ports ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                if (ports[p].HostPort == port.Port)
                {
                    return $"spec.containers[{c}].ports[{p}].hostPort";
                }
            }
        }

        return "spec.initContainers[*].ports[*].hostPort";
    }
}
