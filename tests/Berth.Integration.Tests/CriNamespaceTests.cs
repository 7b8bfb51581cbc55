using System.Text.Json.Nodes;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriNamespaceTests(CriNode node)
{
    /// <summary>KEP-5714 over CRI: an explicit mode wins (the container's, else the sandbox's);
    /// unset means a private namespace on cgroup v2 unless the container is privileged, and the
    /// node's on v1. Runs on this v1 host and in the v2 lane.</summary>
    [Theory]
    [Trait("Lane", "v2")]
    [InlineData(false, null, null)]
    [InlineData(true, null, null)]
    [InlineData(false, "POD", null)]
    [InlineData(true, "POD", null)]
    [InlineData(false, "NODE", null)]
    [InlineData(true, "NODE", null)]
    [InlineData(false, null, "POD")]
    public async Task Cgroup_namespace_follows_cgroupns_options(bool privileged, string? containerMode, string? sandboxMode)
    {
        static CgroupNamespace? Option(string? mode) => mode is null ? null : new CgroupNamespace { Mode = Enum.Parse<NamespaceMode>(mode, ignoreCase: true) };
        await using var pod = await node.RunPodAsync($"cgns-{(privileged ? "priv" : "plain")}-{containerMode ?? "unset"}-{sandboxMode ?? "unset"}".ToLowerInvariant(), c =>
        {
            c.Linux.SecurityContext.Privileged = privileged;
            c.Linux.SecurityContext.NamespaceOptions.CgroupnsOptions = Option(sandboxMode);
        });
        var id = await pod.StartSleeperAsync("c", c =>
        {
            c.Linux.SecurityContext.Privileged = privileged;
            c.Linux.SecurityContext.NamespaceOptions.CgroupnsOptions = Option(containerMode);
            c.Linux.Resources = new LinuxContainerResources { MemoryLimitInBytes = 64 << 20 };
        });
        var expected = containerMode ?? sandboxMode ?? (CgroupV2.OnV2 && !privileged ? "POD" : "NODE");
        var pid = await node.PidAsync(id);
        var cgroupPath = $"{pod.Config.Linux.CgroupParent}/{id}";
        var lines = (await node.ShAsync(id, "cat /proc/self/cgroup")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (expected == "POD")
        {
            Assert.NotEqual(Kernel.SelfNsInode("cgroup"), Kernel.NsInode(pid, "cgroup"));
            Assert.All(lines, l => Assert.EndsWith(":/", l)); // rooted at its own cgroup
        }
        else
        {
            Assert.Equal(Kernel.SelfNsInode("cgroup"), Kernel.NsInode(pid, "cgroup"));
            Assert.Contains(lines, l => l.EndsWith(":" + cgroupPath, StringComparison.Ordinal));
        }

        // On v1 its /sys/fs/cgroup shows its own cgroup at the top either way (runc bind-mounts
        // it); on v2 only a private namespace does, the host's shows the node's whole tree.
        var limitFile = !CgroupV2.OnV2 ? "/sys/fs/cgroup/memory/memory.limit_in_bytes"
            : expected == "POD" ? "/sys/fs/cgroup/memory.max" : $"/sys/fs/cgroup{cgroupPath}/memory.max";
        Assert.Equal((64 << 20).ToString(), (await node.ShAsync(id, $"cat {limitFile}")).Trim());
    }

    [Fact]
    public async Task Pid_namespace_is_the_pods_its_own_the_nodes_or_a_targets()
    {
        await using var pod = await node.RunPodAsync("pid-modes", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Pod);
        var info = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Info["info"];
        var infraPid = (int)JsonNode.Parse(info)!["infraPid"]!;

        var shared = await pod.StartSleeperAsync("shared", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Pod);
        var own = await pod.StartSleeperAsync("own", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Container);
        var host = await pod.StartSleeperAsync("host", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Node);
        var debug = await pod.StartSleeperAsync("debug", c =>
        {
            c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Target;
            c.Linux.SecurityContext.NamespaceOptions.TargetId = own;
        });

        var infraNs = Kernel.NsInode(infraPid, "pid");
        var ownNs = Kernel.NsInode(await node.PidAsync(own), "pid");
        Assert.Equal(infraNs, Kernel.NsInode(await node.PidAsync(shared), "pid"));
        Assert.Contains("/pause", await node.ShAsync(shared, "cat /proc/1/cmdline"), StringComparison.Ordinal); // the infra process is PID 1
        Assert.NotEqual(infraNs, ownNs);
        Assert.NotEqual(Kernel.SelfNsInode("pid"), ownNs);
        Assert.Equal(Kernel.SelfNsInode("pid"), Kernel.NsInode(await node.PidAsync(host), "pid"));
        Assert.Equal(ownNs, Kernel.NsInode(await node.PidAsync(debug), "pid"));
        Assert.Contains("sleep 3600", await node.ShAsync(debug, "cat /proc/1/cmdline | tr '\\0' ' '"), StringComparison.Ordinal); // sees its target's process
    }
}
