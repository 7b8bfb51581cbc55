using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// The pod's QoS class as Kubernetes computes it (pkg/apis/core/v1/helper/qos/qos.go,
/// ComputePodQOS): only cpu and memory count, init containers count like app containers, and
/// only non-zero values are considered. Per resource, a pod that sets it at pod level (KEP-2837)
/// is judged by its pod-level request and limit; otherwise by its containers'.
/// </summary>
public static class QosClassifier
{
    public static QosClass Classify(V1PodSpec spec)
    {
        var anySet = false;
        var guaranteed = true;
        var containers = (spec.Containers ?? []).Concat(spec.InitContainers ?? []).Select(ContainerResources.Of).ToList();
        var podRequests = PodLevelResources.Requests(spec);
        var podLimits = PodLevelResources.Limits(spec);
        foreach (var name in PodLevelResources.Supported)
        {
            decimal request, limit;
            if (PodLevelResources.Sets(spec, name))
            {
                request = Math.Max(podRequests[name], 0);
                limit = Math.Max(podLimits[name], 0);
                guaranteed &= limit > 0;
            }
            else
            {
                request = containers.Sum(c => Math.Max(c.Requests[name], 0));
                limit = containers.Sum(c => Math.Max(c.Limits[name], 0));
                guaranteed &= containers.All(c => c.Limits[name] > 0);
            }

            anySet |= request > 0 || limit > 0;
            guaranteed &= request == limit;
        }

        return !anySet ? QosClass.BestEffort : guaranteed ? QosClass.Guaranteed : QosClass.Burstable;
    }
}
