using Berth.Core.Planning;
using Berth.Linux.Cgroups;

namespace Berth.Runtime.Pods;

/// <summary>
/// The pod-level cgroup, as the kubelet's pod container manager keeps it (pkg/kubelet/cm
/// pod_container_manager): made with the plan's values when the pod is created, made again after
/// a reboot took it, removed with the pod. The one place a <see cref="PodPlan"/> becomes cgroup values.
/// </summary>
public sealed class PodCgroups(ICgroupDriver cgroups)
{
    /// <summary>The plan's pod-level limits (cpu shares and quota, memory, pids) and its Memory
    /// QoS protection (memory.min or memory.low; a pod cgroup is never throttled at memory.high).</summary>
    public static CgroupValues Values(PodPlan plan) =>
        new(plan.CpuShares, plan.CpuQuota, plan.CpuPeriod, plan.MemoryLimit, plan.PidsLimit)
        {
            MemoryMin = plan.Memory.Min,
            MemoryLow = plan.Memory.Low,
        };

    /// <summary>Creates the pod cgroup if it is not there and writes the plan's values.</summary>
    public void Ensure(PodPlan plan)
    {
        cgroups.Create(plan.CgroupParent);
        cgroups.Apply(plan.CgroupParent, Values(plan));
    }

    public void Remove(PodPlan plan) => cgroups.Remove(plan.CgroupParent);
}
