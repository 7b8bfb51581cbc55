using Berth.Core.Planning;
using Berth.Linux.Cgroups;

namespace Berth.Runtime.Pods;

/// <summary>
/// The node-level QoS cgroups, as the kubelet's QoS container manager keeps them (pkg/kubelet/cm
/// qos_container_manager_linux.go): kubepods with the node's cpu shares, besteffort with the
/// minimum, burstable with the sum of its pods' requests, updated as Burstable pods come and go.
/// </summary>
public sealed class QosCgroups(ICgroupDriver cgroups, NodeFacts node, PodRecords records)
{
    // Pods are created and removed concurrently: each update reads every pod and writes once,
    // and the last write must be from the last read.
    private readonly Lock burstableGate = new();

    private CgroupName Root => CgroupName.Root(node.CgroupRoot, node.CgroupDriver);

    /// <summary>Creates the QoS cgroups with the kubelet's cpu shares.</summary>
    public void Ensure()
    {
        var kubepods = Root.Child(CgroupName.KubepodsComponent).ToCgroupfs();
        cgroups.Create(kubepods);
        cgroups.Apply(kubepods, new CgroupValues(CpuShares: QosCgroupValues.KubepodsShares(Environment.ProcessorCount * 1000L)));
        var besteffort = CgroupName.ForQos(Root, QosClass.BestEffort).ToCgroupfs();
        cgroups.Create(besteffort);
        cgroups.Apply(besteffort, new CgroupValues(CpuShares: QosCgroupValues.BestEffortShares));
        UpdateBurstableShares();
    }

    /// <summary>The burstable cgroup's shares from the cpu requests of the Burstable pods now.</summary>
    public void UpdateBurstableShares()
    {
        lock (burstableGate)
        {
            var burstable = CgroupName.ForQos(Root, QosClass.Burstable).ToCgroupfs();
            cgroups.Create(burstable);
            var specs = records.All.Where(p => p.Plan.QosClass == QosClass.Burstable).Select(p => p.Manifest.Spec);
            cgroups.Apply(burstable, new CgroupValues(CpuShares: QosCgroupValues.BurstableShares(specs)));
        }
    }

    /// <summary>After a pod of <paramref name="qos"/> came or went.</summary>
    public void PodChanged(QosClass qos)
    {
        if (qos == QosClass.Burstable)
        {
            UpdateBurstableShares();
        }
    }
}
