using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

[Collection("node")]
public class PodNamespacesTests(TestNode node)
{
    private static string TwoContainers(string name, string specExtra = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
        {{specExtra}}
          containers:
            - { name: a, image: busybox, command: ["sleep", "3601"] }
            - { name: b, image: busybox, command: ["sleep", "3602"] }
        """;

    [Fact]
    public async Task Containers_share_network_ipc_and_uts_with_the_infra_process_only()
    {
        await using var pod = await node.Agent.PlayAsync("ns-shared", TwoContainers("ns-shared"));
        var doc = await pod.InspectAsync();
        var infra = (int)doc["infraPid"]!;
        var a = await pod.PidAsync("a");
        var b = await pod.PidAsync("b");
        Assert.True(infra > 0 && Kernel.IsAlive(infra));
        foreach (var ns in new[] { "net", "ipc", "uts" })
        {
            Assert.Equal(Kernel.NsInode(infra, ns), Kernel.NsInode(a, ns));
            Assert.Equal(Kernel.NsInode(infra, ns), Kernel.NsInode(b, ns));
            Assert.NotEqual(Kernel.SelfNsInode(ns), Kernel.NsInode(a, ns));
        }

        Assert.NotEqual(Kernel.NsInode(a, "mnt"), Kernel.NsInode(b, "mnt"));
        Assert.Equal((ulong)doc["containers"]![0]!["namespaceInodes"]!["net"]!, Kernel.NsInode(a, "net"));
        Assert.Equal("ns-shared\n", await pod.ShAsync("b", "hostname"));
        Assert.Contains("lo-up", await pod.ShAsync("a", "ip link show lo | grep -q UP && echo lo-up"));
    }

    [Fact]
    public async Task Spec_hostname_names_the_pod_uts_namespace()
    {
        await using var pod = await node.Agent.PlayAsync("ns-hostname", TwoContainers("ns-hostname", "  hostname: custom-host"));
        Assert.Equal("custom-host\n", await pod.ShAsync("a", "hostname"));
        Assert.Equal("custom-host\n", await pod.ShAsync("b", "cat /etc/hostname"));
    }

    [Fact]
    public async Task Containers_see_each_other_only_with_shareProcessNamespace()
    {
        await using (var shared = await node.Agent.PlayAsync("pid-shared", TwoContainers("pid-shared", "  shareProcessNamespace: true")))
        {
            var ps = await shared.ShAsync("b", "ps -o pid,args");
            Assert.Contains("sleep 3601", ps);
            Assert.Matches(@"(?m)^\s*1\s+/pause -P", ps);
            var infra = (int)(await shared.InspectAsync())["infraPid"]!;
            Assert.Equal(Kernel.NsInode(infra, "pid"), Kernel.NsInode(await shared.PidAsync("a"), "pid"));
            Assert.Equal(Kernel.NsInode(infra, "pid"), Kernel.NsInode(await shared.PidAsync("b"), "pid"));
        }

        await using var isolated = await node.Agent.PlayAsync("pid-isolated", TwoContainers("pid-isolated"));
        var own = await isolated.ShAsync("b", "ps -o pid,args");
        Assert.DoesNotContain("sleep 3601", own);
        Assert.Matches(@"(?m)^\s*1\s+sleep 3602", own);
        Assert.NotEqual(Kernel.NsInode(await isolated.PidAsync("a"), "pid"), Kernel.NsInode(await isolated.PidAsync("b"), "pid"));
    }

    [Fact]
    public async Task Infra_pid_1_reaps_double_forked_orphans()
    {
        // Each "( sleep 0.2 & )" forks a subshell that starts sleep and exits at once: the sleep is
        // orphaned, reparented to PID 1 of the pod's PID namespace, and exits 0.2 s later.
        await using var pod = await node.Agent.PlayAsync("reaper", """
            apiVersion: v1
            kind: Pod
            metadata: { name: reaper }
            spec:
              shareProcessNamespace: true
              containers:
                - name: forker
                  image: busybox
                  command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do ( sleep 0.2 & ); done; echo forked; exec sleep 3600"]
            """);
        var pidNs = Kernel.NsInode(await pod.PidAsync("forker"), "pid");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var processes = Kernel.ProcessesInPidNamespace(pidNs);
        Assert.Equal(2, processes.Count); // /pause and the container's sleep: the orphans are gone
        Assert.DoesNotContain(processes, p => Kernel.State(p) == 'Z');
        Assert.Contains("forked", (await node.Agent.BerthAsync("logs", "reaper")).Stdout);
    }

    [Fact]
    public async Task Host_namespaces_are_the_node_s()
    {
        await using var pod = await node.Agent.PlayAsync("host-ns", """
            apiVersion: v1
            kind: Pod
            metadata: { name: host-ns }
            spec:
              hostNetwork: true
              hostIPC: true
              hostPID: true
              containers:
                - { name: a, image: busybox, command: ["sleep", "3600"] }
            """);
        var a = await pod.PidAsync("a");
        foreach (var ns in new[] { "net", "ipc", "uts", "pid" })
        {
            Assert.Equal(Kernel.SelfNsInode(ns), Kernel.NsInode(a, ns));
        }

        Assert.NotEqual(Kernel.SelfNsInode("mnt"), Kernel.NsInode(a, "mnt"));
    }
}
