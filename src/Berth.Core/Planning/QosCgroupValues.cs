using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// cpu.shares of the QoS-level cgroups: pkg/kubelet/cm/qos_container_manager_linux.go
/// setCPUCgroupConfig. BestEffort gets the minimum; Burstable the shares of the sum of its pods'
/// cpu requests (the minimum when there are none); Guaranteed pods sit directly under kubepods.
/// </summary>
public static class QosCgroupValues
{
    public static long BestEffortShares => CgroupMath.MinShares;

    public static long BurstableShares(IEnumerable<V1PodSpec> burstablePods) =>
        CgroupMath.MilliCpuToShares(burstablePods.Sum(spec => PodResources.Requests(spec).MilliCpu));

    /// <summary>kubepods itself: the shares of the node's allocatable cpu (node allocatable enforcement).</summary>
    public static long KubepodsShares(long allocatableMilliCpu) => CgroupMath.MilliCpuToShares(allocatableMilliCpu);
}
