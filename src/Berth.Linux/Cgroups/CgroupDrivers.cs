using Berth.Core.Planning;

namespace Berth.Linux.Cgroups;

public static class CgroupDrivers
{
    /// <summary>The driver for the cgroup version mounted at <paramref name="mountPoint"/>:
    /// v2 when it is a unified hierarchy, otherwise v1 (including hybrid hosts).</summary>
    public static ICgroupDriver ForHost(string mountPoint = HostFacts.CgroupMount, CpuWeightFormula weightFormula = CpuWeightFormula.Linear) =>
        HostFacts.CgroupVersion(mountPoint) == 2 ? new CgroupV2Driver(mountPoint, weightFormula) : new CgroupV1Driver(mountPoint);
}
