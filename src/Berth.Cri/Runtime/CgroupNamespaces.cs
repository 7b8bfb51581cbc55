using Berth.Core.Planning;

namespace Berth.Cri.Runtime;

/// <summary>
/// KEP-5714 over CRI (provisional fields). A container's cgroupns_options wins, then the
/// sandbox's; with neither, Berth chooses as its standalone path does
/// (<see cref="NamespacePlan.CgroupMode"/>): on cgroup v2 a private namespace unless privileged,
/// on cgroup v1 the node's.
/// </summary>
internal static class CgroupNamespaces
{
    /// <summary>POD or NODE as asked; null when the field is absent.</summary>
    public static NamespaceMode? Requested(V1.CgroupNamespace? option, string field, List<string> problems) => option?.Mode switch
    {
        null => null,
        V1.NamespaceMode.Pod => NamespaceMode.Pod,
        V1.NamespaceMode.Node => NamespaceMode.Node,
        var other => Invalid(problems, $"{field}.mode: {other} is not a cgroup namespace mode (POD or NODE)"),
    };

    public static NamespaceMode Resolve(NamespaceMode? container, NamespaceMode? sandbox, bool privileged, int cgroupVersion) =>
        container ?? sandbox ?? NamespacePlan.CgroupMode(hostCgroupNamespace: null, privileged, cgroupVersion);

    private static NamespaceMode? Invalid(List<string> problems, string problem)
    {
        problems.Add(problem);
        return null;
    }
}
