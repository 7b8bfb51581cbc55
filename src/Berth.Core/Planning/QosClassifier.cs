using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// The pod's QoS class exactly as Kubernetes computes it
/// (pkg/apis/core/v1/helper/qos/qos.go, ComputePodQOS): only cpu and memory count, init
/// containers count like app containers, and only non-zero values are considered.
/// </summary>
public static class QosClassifier
{
    private static readonly string[] Supported = [ResourceList.Cpu, ResourceList.Memory];

    public static QosClass Classify(V1PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>();
        var limits = new Dictionary<string, decimal>();
        var guaranteed = true;
        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            var resources = ContainerResources.Of(container);
            foreach (var name in Supported)
            {
                if (resources.Requests[name] > 0)
                {
                    requests[name] = requests.GetValueOrDefault(name) + resources.Requests[name];
                }
            }

            var limitsFound = 0;
            foreach (var name in Supported)
            {
                if (resources.Limits[name] > 0)
                {
                    limitsFound++;
                    limits[name] = limits.GetValueOrDefault(name) + resources.Limits[name];
                }
            }

            if (limitsFound < Supported.Length)
            {
                guaranteed = false;
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return QosClass.BestEffort;
        }

        if (guaranteed && requests.All(r => limits.TryGetValue(r.Key, out var l) && l == r.Value) && requests.Count == limits.Count)
        {
            return QosClass.Guaranteed;
        }

        return QosClass.Burstable;
    }
}
