using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// Pod-level totals as the kubelet computes them (k8s.io/component-helpers/resource PodRequests and
/// PodLimits): the sum over app containers, restartable init containers (sidecars) added to that
/// sum and to every later init container, and the element-wise max with each init container.
/// Pod-level resources (<see cref="PodLevelResources"/>) replace that aggregate for the
/// resources the pod sets.
/// </summary>
public static class PodResources
{
    public static ResourceList Requests(V1PodSpec spec) => Override(ContainerRequests(spec), PodLevelResources.Requests(spec));

    public static ResourceList Limits(V1PodSpec spec) => Override(ContainerLimits(spec), PodLevelResources.Limits(spec));

    /// <summary>The containers' aggregate requests, without pod-level resources.</summary>
    public static ResourceList ContainerRequests(V1PodSpec spec) => Aggregate(spec, r => r.Requests);

    /// <summary>The containers' aggregate limits, without pod-level resources.</summary>
    public static ResourceList ContainerLimits(V1PodSpec spec) => Aggregate(spec, r => r.Limits);

    /// <summary>The memory the pod's long-running containers request together: app containers
    /// and sidecars, not the init containers that run before them (KEP-2570's pod memory.min
    /// and memory.low); the pod-level memory request where the pod sets one.</summary>
    public static long RunningMemoryRequests(V1PodSpec spec)
    {
        if (PodLevelResources.Requests(spec).Contains(ResourceList.Memory))
        {
            return PodLevelResources.Requests(spec).MemoryBytes;
        }

        return (spec.Containers ?? []).Concat((spec.InitContainers ?? []).Where(ContainerResources.IsRestartableInit))
            .Sum(c => ContainerResources.Of(c).Requests.MemoryBytes);
    }

    private static ResourceList Override(ResourceList aggregate, ResourceList podLevel)
    {
        var result = podLevel.Clone();
        foreach (var (name, value) in aggregate.Entries)
        {
            result.SetIfMissing(name, value);
        }

        return result;
    }

    private static ResourceList Aggregate(V1PodSpec spec, Func<ContainerResources, ResourceList> select)
    {
        var total = new ResourceList();
        foreach (var container in spec.Containers ?? [])
        {
            total.Add(select(ContainerResources.Of(container)));
        }

        var sidecars = new ResourceList();
        var initMax = new ResourceList();
        foreach (var container in spec.InitContainers ?? [])
        {
            var own = select(ContainerResources.Of(container));
            ResourceList effective;
            if (ContainerResources.IsRestartableInit(container))
            {
                total.Add(own);
                sidecars.Add(own);
                effective = sidecars.Clone();
            }
            else
            {
                effective = own.Clone();
                effective.Add(sidecars);
            }

            initMax.MaxWith(effective);
        }

        total.MaxWith(initMax);
        return total;
    }
}
