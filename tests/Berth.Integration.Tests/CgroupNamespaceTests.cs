using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>KEP-5714: the field decides; unset means a private namespace on cgroup v2 unless a
/// container is privileged, and the host's on v1. Runs on this v1 host and in the v2 lane.</summary>
[Collection("node")]
[Trait("Lane", "v2")]
public class CgroupNamespaceTests(TestNode node)
{
    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Container_cgroup_namespace_follows_the_pod_field(bool privileged, bool? hostCgroupNamespace)
    {
        var expected = hostCgroupNamespace switch
        {
            true => "NODE",
            false => "POD",
            null => CgroupV2.OnV2 && !privileged ? "POD" : "NODE",
        };
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
        // On v1 the container's /sys/fs/cgroup is its own cgroup either way (runc bind-mounts it),
        // so its limit shows at the top; on v2 only a private namespace gives that view, the host's
        // shows the node's whole tree (where a nested runtime's cgroups would escape the pod).
        var (host, inside) = !CgroupV2.OnV2 ? (Kernel.CgroupFile("pids", cgroupPath, "pids.max"), "/sys/fs/cgroup/pids/pids.max")
            : (CgroupV2.Read(cgroupPath, "pids.max"), expected == "POD" ? "/sys/fs/cgroup/pids.max" : $"/sys/fs/cgroup{cgroupPath}/pids.max");
        // One exec for both reads: in the v2 lane's guest every berth command costs seconds.
        var seen = (await pod.ShAsync("c", $"cat /proc/self/cgroup; echo ---; cat {inside}")).Split("---\n");
        Assert.Equal(2, seen.Length);
        var lines = seen[0].Split('\n', StringSplitOptions.RemoveEmptyEntries);
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

        Assert.Equal(host, seen[1].Trim());
    }
}
