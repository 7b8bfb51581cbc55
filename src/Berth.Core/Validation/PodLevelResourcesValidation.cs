using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// The API server's checks of pod-level resources (KEP-2837, validatePodResources and
/// validatePodResourceConsistency): cpu and memory only, each request within its limit, the
/// containers' aggregate requests within the pod's request and limit, and no container limit
/// above the pod's.
/// </summary>
public static class PodLevelResourcesValidation
{
    public static void Validate(V1PodSpec spec, Action<string, string> add)
    {
        if (spec.Resources is not { } resources)
        {
            return;
        }

        foreach (var (kind, list) in new[] { ("requests", resources.Requests), ("limits", resources.Limits) })
        {
            foreach (var (name, quantity) in list ?? new Dictionary<string, ResourceQuantity>())
            {
                if (!PodLevelResources.Supported.Contains(name))
                {
                    add($"spec.resources.{kind}[{name}]", $"Unsupported value: \"{name}\": supported values: \"cpu\", \"memory\"");
                }
                else if (quantity.ToDecimal() < 0)
                {
                    add($"spec.resources.{kind}[{name}]", $"Invalid value: \"{quantity}\": must be greater than or equal to 0");
                }
            }
        }

        var podRequests = PodLevelResources.Requests(spec);
        var podLimits = PodLevelResources.Limits(spec);
        var aggregate = PodResources.ContainerRequests(spec);
        foreach (var name in PodLevelResources.Supported)
        {
            if (podLimits.Contains(name) && resources.Requests?.ContainsKey(name) == true && podRequests[name] > podLimits[name])
            {
                add($"spec.resources.requests[{name}]", $"Invalid value: \"{Show(name, podRequests[name])}\": must be less than or equal to {name} limit of {Show(name, podLimits[name])}");
            }
            else if (resources.Requests?.ContainsKey(name) == true && aggregate[name] > podRequests[name])
            {
                add($"spec.resources.requests[{name}]", $"Invalid value: \"{Show(name, podRequests[name])}\": must be greater than or equal to aggregate container requests of {Show(name, aggregate[name])}");
            }
            else if (podLimits.Contains(name) && aggregate[name] > podLimits[name])
            {
                add($"spec.resources.limits[{name}]", $"Invalid value: \"{Show(name, podLimits[name])}\": must be greater than or equal to aggregate container requests of {Show(name, aggregate[name])}");
            }

            if (!podLimits.Contains(name))
            {
                continue;
            }

            foreach (var (list, path) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
            {
                for (var i = 0; i < (list?.Count ?? 0); i++)
                {
                    var limit = ContainerResources.Of(list![i]).Limits;
                    if (limit.Contains(name) && limit[name] > podLimits[name])
                    {
                        add($"{path}[{i}].resources.limits[{name}]", $"Invalid value: \"{Show(name, limit[name])}\": must be less than or equal to pod limits of {Show(name, podLimits[name])}");
                    }
                }
            }
        }
    }

    /// <summary>Pod-level resources set a pod cgroup of their own on cgroup v2 only, as in the
    /// kubelet: on a v1 node the pod is refused rather than run without them.</summary>
    public static void CheckNode(V1PodSpec spec, NodeFacts node, Action<string, string> add)
    {
        if (PodLevelResources.IsSet(spec) && node.CgroupVersion != 2)
        {
            add("spec.resources", "Forbidden: pod-level resources need cgroup v2, and this node runs cgroup v1; set resources per container");
        }
    }

    private static string Show(string name, decimal value) =>
        name == ResourceList.Cpu ? $"{decimal.Ceiling(value * 1000m)}m" : $"{decimal.Ceiling(value)}";
}
