using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>KEP-5714 on this cgroup v1 host: the field decides; unset means the host's namespace.</summary>
[Collection("node")]
[Trait("Cgroup", "v1")]
public class CgroupNamespaceTests(TestNode node)
{
    [Theory]
    [InlineData(false, null, "NODE")]
    [InlineData(true, null, "NODE")]
    [InlineData(false, false, "POD")]
    [InlineData(true, false, "POD")]
    [InlineData(false, true, "NODE")]
    [InlineData(true, true, "NODE")]
    public async Task Container_cgroup_namespace_follows_the_pod_field(bool privileged, bool? hostCgroupNamespace, string expected)
    {
        var name = $"cgns-{(privileged ? "priv" : "plain")}-{hostCgroupNamespace?.ToString().ToLowerInvariant() ?? "unset"}";
        await using var pod = await node.Agent.PlayAsync(name, $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
            {{(hostCgroupNamespace is { } h ? $"  hostCgroupNamespace: {h.ToString().ToLowerInvariant()}" : "")}}
              containers:
                - name: c
                  image: busybox
                  command: ["sleep", "3600"]
                  securityContext: { privileged: {{privileged.ToString().ToLowerInvariant()}} }
            """);
        var container = await pod.ContainerAsync("c");
        Assert.Equal(expected, (string?)container["namespaces"]!["cgroup"]);
        var pid = (int)container["pid"]!;
        var cgroupPath = (string)container["cgroupPath"]!;
        var seen = await pod.ShAsync("c", "cat /proc/self/cgroup");
        var lines = seen.Split('\n', StringSplitOptions.RemoveEmptyEntries);
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

        // Either way the container's view of /sys/fs/cgroup is its own cgroup: its limit shows at the top.
        Assert.Equal(Kernel.CgroupFile("pids", cgroupPath, "pids.max"), (await pod.ShAsync("c", "cat /sys/fs/cgroup/pids/pids.max")).Trim());
    }
}
