using System.Text.Json.Serialization;

namespace Berth.Core.Planning;

[JsonConverter(typeof(JsonStringEnumConverter<CgroupDriver>))]
public enum CgroupDriver
{
    [JsonStringEnumMemberName("cgroupfs")]
    Cgroupfs,

    [JsonStringEnumMemberName("systemd")]
    Systemd,
}

/// <summary>What the planner needs to know about the node. Gathered by the caller (host probe or flags).</summary>
/// <param name="CgroupVersion">1 or 2.</param>
/// <param name="CgroupDriver">How cgroup names are spelled.</param>
/// <param name="CgroupRoot">kubelet's cgroupRoot: the parent of <c>kubepods</c> ("/" by default).</param>
/// <param name="MemoryCapacity">Node memory in bytes, for Burstable oom_score_adj.</param>
/// <param name="PodPidsLimit">kubelet's podPidsLimit; null or negative means unlimited.</param>
/// <param name="MemoryQos">The MemoryQoS feature's settings; null when it is off (always on cgroup v1).</param>
/// <param name="WeightFormula">How cpu shares become <c>cpu.weight</c>: the formula of the runc
/// that writes the container cgroups (<see cref="CgroupMath.WeightFormulaOf"/>).</param>
public sealed record NodeFacts(
    int CgroupVersion,
    CgroupDriver CgroupDriver,
    string CgroupRoot,
    long MemoryCapacity,
    long? PodPidsLimit,
    MemoryQosSettings? MemoryQos = null,
    CpuWeightFormula WeightFormula = CpuWeightFormula.Linear)
{
    public static NodeFacts Default(int cgroupVersion, long memoryCapacity) =>
        new(cgroupVersion, CgroupDriver.Cgroupfs, "/", memoryCapacity, null);
}
