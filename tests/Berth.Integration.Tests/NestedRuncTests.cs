using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// The BuildKit story: a privileged pod runs `runc run` inside itself. Where does the nested
/// container's cgroup land on the host? On this cgroup v1 host it lands beneath the outer
/// container's cgroup on every v1 hierarchy in both modes: with a private cgroup namespace
/// because the nested runc's "/" is the outer cgroup, and with the host's because runc
/// bind-mounts the outer container's own directory of each hierarchy at /sys/fs/cgroup/&lt;ctrl&gt;.
/// (On cgroup v2 with the host namespace it would escape the pod: that is BuildKit's bug.)
/// The cgroup2 "unified" hierarchy is never touched by the nested runc: it is not mounted inside.
/// </summary>
[Collection("node")]
[Trait("Cgroup", "v1")]
public class NestedRuncTests(TestNode node)
{
    private const string NestedRun = """
        set -e
        mkdir -p /nested/rootfs/proc /nested/rootfs/sys /nested/rootfs/dev
        cp -a /bin /sbin /usr /lib /lib64 /etc /nested/rootfs/
        cd /nested
        runc spec
        sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"sleep", "300"/' config.json
        runc run -d n1 > /dev/null 2>&1 < /dev/null
        runc list
        """;

    [Theory]
    [InlineData(false, "POD")]
    [InlineData(true, "NODE")]
    public async Task Nested_container_cgroup_lands_beneath_the_outer_container(bool hostCgroupNamespace, string mode)
    {
        var name = $"nested-{mode.ToLowerInvariant()}";
        await using var pod = await node.Agent.PlayAsync(name, $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
              hostCgroupNamespace: {{hostCgroupNamespace.ToString().ToLowerInvariant()}}
              containers:
                - name: builder
                  image: busybox
                  command: ["sleep", "3600"]
                  securityContext: { privileged: true }
            """);
        var outer = await pod.ContainerAsync("builder");
        Assert.Equal(mode, (string?)outer["namespaces"]!["cgroup"]);
        var outerPath = (string)outer["cgroupPath"]!;

        Assert.Contains("n1", await pod.ShAsync("builder", NestedRun));

        foreach (var hierarchy in Kernel.V1Hierarchies)
        {
            var nestedDir = Kernel.CgroupDir(hierarchy, outerPath + "/n1");
            Assert.True(Directory.Exists(nestedDir), $"{nestedDir} should exist");
            var procs = File.ReadAllLines(Path.Combine(nestedDir, "cgroup.procs"));
            Assert.NotEmpty(procs);
            var nestedPid = int.Parse(procs[0]);
            Assert.Equal(outerPath + "/n1", Kernel.CgroupOf(nestedPid, hierarchy));
        }

        // unified stays at the outer container's cgroup
        var anyNested = int.Parse(File.ReadAllLines(Path.Combine(Kernel.CgroupDir("pids", outerPath + "/n1"), "cgroup.procs"))[0]);
        Assert.Contains($"0::{outerPath}", File.ReadAllLines($"/proc/{anyNested}/cgroup"));
    }
}
