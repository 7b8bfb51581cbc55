using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// oom_score_adj per container: pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust.
/// </summary>
public static class OomScoreAdj
{
    public const int Guaranteed = -997;
    public const int BestEffort = 1000;

    /// <summary>The pod infra (pause) process: dockershim's PodInfraOOMAdj.</summary>
    public const int Infra = -998;

    /// <summary>Burstable scores stay above a fully-used Guaranteed pod's (1000 + -997).</summary>
    public const int BurstableMin = 1000 + Guaranteed;

    /// <summary>Burstable scores stay below BestEffort's.</summary>
    public const int BurstableMax = BestEffort - 1;

    public static int ForContainer(V1PodSpec spec, QosClass qos, V1Container container, long memoryCapacity)
    {
        // Node-critical pods are treated as Guaranteed (types.IsNodeCriticalPod).
        if (spec.PriorityClassName == "system-node-critical")
        {
            return Guaranteed;
        }

        switch (qos)
        {
            case QosClass.Guaranteed:
                return Guaranteed;
            case QosClass.BestEffort:
                return BestEffort;
        }

        var score = Burstable(ContainerResources.Of(container).Requests.MemoryBytes + PodRequestShare(spec), memoryCapacity);

        // A sidecar (restartable init container) scores no higher than the app container with the
        // smallest memory request, so it is not killed before the workload it serves.
        if (ContainerResources.IsRestartableInit(container) && spec.Containers is { Count: > 0 } apps)
        {
            var minRequest = apps.Min(c => ContainerResources.Of(c).Requests.MemoryBytes);
            score = Math.Min(score, 1000 - (int)(1000 * (decimal)minRequest / memoryCapacity));
        }

        return Math.Clamp(score, BurstableMin, BurstableMax);
    }

    /// <summary>KEP-2837: the part of a pod-level memory request no container requested, shared
    /// evenly by the pod's long-running containers, so a pod that asked for memory at pod level
    /// scores below one that did not.</summary>
    private static long PodRequestShare(V1PodSpec spec)
    {
        var podLevel = PodLevelResources.Requests(spec);
        if (!podLevel.Contains(ResourceList.Memory))
        {
            return 0;
        }

        var running = (spec.Containers ?? []).Concat((spec.InitContainers ?? []).Where(ContainerResources.IsRestartableInit)).ToList();
        var requested = running.Sum(c => ContainerResources.Of(c).Requests.MemoryBytes);
        return running.Count == 0 ? 0 : Math.Max(0, podLevel.MemoryBytes - requested) / running.Count;
    }

    /// <summary>1000 − 1000·request/capacity (integer division), before clamping.</summary>
    private static int Burstable(long memoryRequest, long memoryCapacity) =>
        1000 - (int)(1000 * (decimal)memoryRequest / memoryCapacity);
}
