using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>Turns a validated pod manifest into a <see cref="PodPlan"/>. Pure: no I/O.</summary>
public static class PodPlanner
{
    public const string DefaultNamespace = "default";

    /// <param name="newUid">Source of a uid for pods without <c>metadata.uid</c>.</param>
    public static PodPlan Plan(PodManifest manifest, NodeFacts node, Func<string>? newUid = null)
    {
        var pod = manifest.Pod;
        var spec = pod.Spec;
        var uid = string.IsNullOrEmpty(pod.Metadata.Uid) ? (newUid ?? (() => Guid.NewGuid().ToString()))() : pod.Metadata.Uid;
        var qos = QosClassifier.Classify(spec);
        var namespaces = NamespacePlan.For(spec, manifest.HostCgroupNamespace, node.CgroupVersion);
        var cgroup = CgroupName.ForPod(CgroupName.Root(node.CgroupRoot, node.CgroupDriver), qos, uid);
        var (shares, quota, memory) = PodCgroupValues(spec, qos);

        return new PodPlan(
            Name: pod.Metadata.Name,
            Namespace: string.IsNullOrEmpty(pod.Metadata.NamespaceProperty) ? DefaultNamespace : pod.Metadata.NamespaceProperty,
            Uid: uid,
            QosClass: qos,
            CgroupParent: cgroup.Render(node.CgroupDriver),
            CpuShares: shares,
            CpuWeight: CgroupMath.SharesToWeight(shares, node.WeightFormula),
            CpuQuota: quota,
            CpuPeriod: quota is null ? null : CgroupMath.QuotaPeriodMicros,
            MemoryLimit: memory,
            PidsLimit: node.PodPidsLimit is > 0 ? node.PodPidsLimit : null,
            Namespaces: namespaces,
            Containers:
            [
                .. (spec.InitContainers ?? []).Select(c => PlanContainer(spec, qos, c, init: true, namespaces, node)),
                .. spec.Containers.Select(c => PlanContainer(spec, qos, c, init: false, namespaces, node)),
            ])
        {
            Memory = MemoryQos.ForPod(node.MemoryQos, qos, spec),
        };
    }

    /// <summary>
    /// Pod cgroup values: pkg/kubelet/cm/helpers_linux.go ResourceConfigForPod. Shares come from
    /// the pod's total requests; a quota only when every app container has a cpu limit and a
    /// memory limit only when every app container has one (always, for Guaranteed pods);
    /// BestEffort pods get the minimum shares and nothing else. A pod-level request or limit
    /// (KEP-2837) sets the pod cgroup's value directly.
    /// </summary>
    private static (long Shares, long? Quota, long? Memory) PodCgroupValues(V1PodSpec spec, QosClass qos)
    {
        if (qos == QosClass.BestEffort)
        {
            return (CgroupMath.MinShares, null, null);
        }

        var requests = PodResources.Requests(spec);
        var limits = PodResources.Limits(spec);
        var shares = CgroupMath.MilliCpuToShares(requests.MilliCpu);
        var quota = CgroupMath.MilliCpuToQuota(limits.MilliCpu);
        long? memory = limits.MemoryBytes;
        if (qos == QosClass.Guaranteed)
        {
            return (shares, quota, memory);
        }

        var apps = spec.Containers.Select(ContainerResources.Of).ToList();
        var podLimits = PodLevelResources.Limits(spec);
        var cpuLimitsDeclared = podLimits.Contains(ResourceList.Cpu) || apps.All(r => r.Limits[ResourceList.Cpu] > 0);
        var memoryLimitsDeclared = podLimits.Contains(ResourceList.Memory) || apps.All(r => r.Limits[ResourceList.Memory] > 0);
        return (shares, cpuLimitsDeclared ? quota : null, memoryLimitsDeclared ? memory : null);
    }

    /// <summary>
    /// Container values: pkg/kubelet/kuberuntime/kuberuntime_container_linux.go
    /// calculateLinuxResources (shares from the request, or the limit when only a limit is set;
    /// quota from the limit; memory limit as given). A container without a limit of its own in a
    /// pod with a pod-level limit gets the pod's limit in its cgroup (KEP-2837), not in its spec.
    /// </summary>
    private static ContainerPlan PlanContainer(V1PodSpec spec, QosClass qos, V1Container container, bool init, NamespacePlan namespaces, NodeFacts node)
    {
        var resources = ContainerResources.Of(container);
        var podLimits = PodLevelResources.Limits(spec);
        var cpuLimit = resources.Limits.Contains(ResourceList.Cpu) ? resources.Limits.MilliCpu : podLimits.MilliCpu;
        var quota = CgroupMath.MilliCpuToQuota(cpuLimit);
        var memory = resources.Limits.Contains(ResourceList.Memory) ? resources.Limits.MemoryBytes : podLimits.MemoryBytes;
        return new ContainerPlan(
            Name: container.Name,
            Init: init,
            Privileged: NamespacePlan.IsPrivileged(container),
            CpuShares: CgroupMath.MilliCpuToShares(resources.Requests.MilliCpu),
            CpuQuota: quota,
            CpuPeriod: quota is null ? null : CgroupMath.QuotaPeriodMicros,
            MemoryLimit: memory > 0 ? memory : null,
            OomScoreAdj: OomScoreAdj.ForContainer(spec, qos, container, node.MemoryCapacity),
            Namespaces: namespaces)
        {
            Memory = MemoryQos.ForContainer(node.MemoryQos, qos, resources.Requests.MemoryBytes, memory > 0 ? memory : null),
        };
    }
}
