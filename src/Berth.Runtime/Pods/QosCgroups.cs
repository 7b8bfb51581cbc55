using Berth.Core.Capacity;
using Berth.Core.Planning;
using Berth.Linux.Cgroups;

namespace Berth.Runtime.Pods;

/// <summary>
/// The node-level QoS cgroups, as the kubelet's QoS container manager keeps them (pkg/kubelet/cm
/// qos_container_manager_linux.go): kubepods with the node's cpu shares, besteffort with the
/// minimum, burstable with the sum of its pods' requests, updated as pods come and go. Under
/// Memory QoS's TieredReservation, kubepods' memory.min covers every Guaranteed and Burstable
/// pod's requests and burstable's memory.low its pods' requests (KEP-2570). With node allocatable
/// enforced on pods, kubepods is limited to capacity minus the reservations
/// (<see cref="NodeAllocatable.KubepodsLimits"/>): memory, cpu shares and pids.
/// </summary>
public sealed class QosCgroups(ICgroupDriver cgroups, NodeFacts node, PodRecords records, long capacityMilliCpu)
{
    private NodeResources? kubepodsLimits;

    // Pods are created and removed concurrently: each update reads every pod and writes once,
    // and the last write must be from the last read.
    private readonly Lock gate = new();

    private CgroupName Root => CgroupName.Root(node.CgroupRoot, node.CgroupDriver);

    /// <summary>Creates the QoS cgroups with the kubelet's values.</summary>
    public void Ensure()
    {
        var besteffort = CgroupName.ForQos(Root, QosClass.BestEffort).ToCgroupfs();
        cgroups.Create(Root.Child(CgroupName.KubepodsComponent).ToCgroupfs());
        cgroups.Create(besteffort);
        cgroups.Apply(besteffort, new CgroupValues(CpuShares: QosCgroupValues.BestEffortShares));
        Update(kubepods: true, burstable: true);
    }

    /// <summary>Limits kubepods to <paramref name="limits"/> (enforceNodeAllocatable: pods), or,
    /// with null, lifts the limits again: the cpu shares of the whole node, memory and pids unlimited.</summary>
    public void LimitKubepods(NodeResources? limits)
    {
        lock (gate)
        {
            kubepodsLimits = limits;
        }

        Update(kubepods: true, burstable: false);
    }

    /// <summary>The burstable cgroup's shares from the cpu requests of the Burstable pods now.</summary>
    public void UpdateBurstableShares() => Update(kubepods: false, burstable: true);

    /// <summary>After a pod of <paramref name="qos"/> came or went.</summary>
    public void PodChanged(QosClass qos) =>
        Update(kubepods: node.MemoryQos is not null && qos != QosClass.BestEffort, burstable: qos == QosClass.Burstable);

    private void Update(bool kubepods, bool burstable)
    {
        lock (gate)
        {
            var pods = records.All.Select(p => (Qos: p.Plan.QosClass, p.Manifest.Spec)).ToList();
            if (kubepods)
            {
                cgroups.Apply(Root.Child(CgroupName.KubepodsComponent).ToCgroupfs(), new CgroupValues(
                    CpuShares: QosCgroupValues.KubepodsShares(kubepodsLimits?.MilliCpu ?? capacityMilliCpu),
                    MemoryLimit: kubepodsLimits?.Memory,
                    PidsLimit: kubepodsLimits?.Pids)
                {
                    MemoryMin = MemoryQos.KubepodsMin(node.MemoryQos, pods),
                });
            }

            if (burstable)
            {
                var path = CgroupName.ForQos(Root, QosClass.Burstable).ToCgroupfs();
                var specs = pods.Where(p => p.Qos == QosClass.Burstable).Select(p => p.Spec).ToList();
                cgroups.Create(path);
                cgroups.Apply(path, new CgroupValues(CpuShares: QosCgroupValues.BurstableShares(specs))
                {
                    MemoryLow = MemoryQos.BurstableLow(node.MemoryQos, specs),
                });
            }
        }
    }
}
