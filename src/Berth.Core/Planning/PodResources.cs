using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// Pod-level totals as the kubelet computes them (k8s.io/component-helpers/resource PodRequests and
/// PodLimits): the sum over app containers, restartable init containers (sidecars) added to that
/// sum and to every later init container, and the element-wise max with each init container.
/// </summary>
public static class PodResources
{
    public static ResourceList Requests(V1PodSpec spec) => Aggregate(spec, r => r.Requests);

    public static ResourceList Limits(V1PodSpec spec) => Aggregate(spec, r => r.Limits);

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
