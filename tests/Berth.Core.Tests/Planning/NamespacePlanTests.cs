using Berth.Core.Planning;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

public class NamespacePlanTests
{
    private const string Privileged = "securityContext: { privileged: true }";

    [Theory]
    // explicit field wins, whatever the version or privilege
    [InlineData("true", false, 1, NamespaceMode.Node)]
    [InlineData("true", false, 2, NamespaceMode.Node)]
    [InlineData("true", true, 2, NamespaceMode.Node)]
    [InlineData("false", false, 1, NamespaceMode.Pod)]
    [InlineData("false", true, 1, NamespaceMode.Pod)]
    [InlineData("false", true, 2, NamespaceMode.Pod)]
    // unset: v2 → private unless privileged; v1 → host
    [InlineData(null, false, 2, NamespaceMode.Pod)]
    [InlineData(null, true, 2, NamespaceMode.Node)]
    [InlineData(null, false, 1, NamespaceMode.Node)]
    [InlineData(null, true, 1, NamespaceMode.Node)]
    public void Cgroup_namespace_follows_kep_5714(string? hostCgroupNamespace, bool privileged, int version, NamespaceMode expected)
    {
        var manifest = With(C("a", extra: privileged ? Privileged : ""), specExtra: hostCgroupNamespace is null ? "" : $"  hostCgroupNamespace: {hostCgroupNamespace}");
        Assert.Equal(hostCgroupNamespace is null ? null : bool.Parse(hostCgroupNamespace), manifest.HostCgroupNamespace);
        var plan = PodPlanner.Plan(manifest, NodeFacts.Default(version, 1L << 30));
        Assert.Equal(expected, plan.Namespaces.Cgroup);
        Assert.All(plan.Containers, c => Assert.Equal(expected, c.Namespaces.Cgroup));
    }

    [Theory]
    // every combination of the field (true, false, unset), privilege and cgroup version
    [InlineData(true, false, 1, NamespaceMode.Node)]
    [InlineData(true, true, 1, NamespaceMode.Node)]
    [InlineData(true, false, 2, NamespaceMode.Node)]
    [InlineData(true, true, 2, NamespaceMode.Node)]
    [InlineData(false, false, 1, NamespaceMode.Pod)]
    [InlineData(false, true, 1, NamespaceMode.Pod)]
    [InlineData(false, false, 2, NamespaceMode.Pod)]
    [InlineData(false, true, 2, NamespaceMode.Pod)]
    [InlineData(null, false, 1, NamespaceMode.Node)]
    [InlineData(null, true, 1, NamespaceMode.Node)]
    [InlineData(null, false, 2, NamespaceMode.Pod)]
    [InlineData(null, true, 2, NamespaceMode.Node)]
    public void CgroupMode_explicit_wins_else_private_on_v2_unless_privileged(bool? hostCgroupNamespace, bool privileged, int version, NamespaceMode expected) =>
        Assert.Equal(expected, NamespacePlan.CgroupMode(hostCgroupNamespace, privileged, version));

    [Fact]
    public void Privileged_init_container_makes_the_pod_privileged_on_v2()
    {
        var plan = PodPlanner.Plan(With(C("a"), C("init", extra: Privileged)), NodeFacts.Default(2, 1L << 30));
        Assert.Equal(NamespaceMode.Node, plan.Namespaces.Cgroup);
        Assert.True(plan.Containers.Single(c => c.Name == "init").Privileged);
        Assert.False(plan.Containers.Single(c => c.Name == "a").Privileged);
    }

    [Theory]
    [InlineData("", NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Container)]
    [InlineData("  hostNetwork: true", NamespaceMode.Node, NamespaceMode.Pod, NamespaceMode.Node, NamespaceMode.Container)]
    [InlineData("  hostIPC: true", NamespaceMode.Pod, NamespaceMode.Node, NamespaceMode.Pod, NamespaceMode.Container)]
    [InlineData("  hostPID: true", NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Node)]
    [InlineData("  shareProcessNamespace: true", NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Pod, NamespaceMode.Pod)]
    public void Host_and_shared_namespaces(string specExtra, NamespaceMode network, NamespaceMode ipc, NamespaceMode uts, NamespaceMode pid)
    {
        var ns = PodPlanner.Plan(With(C("a"), specExtra: specExtra), NodeFacts.Default(1, 1L << 30)).Namespaces;
        Assert.Equal((network, ipc, uts, pid), (ns.Network, ns.Ipc, ns.Uts, ns.Pid));
    }
}
