using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Core.Planning;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// Issue #13 on this host: node allocatable enforced on real cgroups and lifted at shutdown,
/// reserved cgroups limited and restored, and the kubelet's admission refusing pods the node
/// cannot run, with nothing created for them.
/// </summary>
public class NodeProtectionTests
{
    private const long Gi = 1L << 30;
    private const long Mi = 1L << 20;
    private const long Page = 4096;

    private static long MemTotal => long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    private static long PidCapacity => Math.Min(ReadLong("/proc/sys/kernel/pid_max"), ReadLong("/proc/sys/kernel/threads-max"));

    private static long ReadLong(string path) => long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    /// <summary>memory limit, cpu shares (v2: weight) and pids.max of a cgroup, raw.</summary>
    private static (string Memory, string Cpu, string Pids) Limits(string cgroup) => CgroupV2.OnV2
        ? (CgroupV2.Read(cgroup, "memory.max"), CgroupV2.Read(cgroup, "cpu.weight"), CgroupV2.Read(cgroup, "pids.max"))
        : (Kernel.CgroupFile("memory", cgroup, "memory.limit_in_bytes").Trim(),
           Kernel.CgroupFile("cpu", cgroup, "cpu.shares").Trim(),
           Kernel.CgroupFile("pids", cgroup, "pids.max").Trim());

    private static string Cpu(long shares) => (CgroupV2.OnV2 ? CgroupMath.SharesToWeight(shares) : shares).ToString(CultureInfo.InvariantCulture);

    /// <summary>Makes a cgroup the way an operator would (every hierarchy on v1), inside the agent's own cgroup root.</summary>
    private static void MakeCgroup(string path)
    {
        var hierarchies = CgroupV2.OnV2 ? [Kernel.CgroupMount] : Directory.EnumerateDirectories(Kernel.CgroupMount).ToArray();
        foreach (var hierarchy in hierarchies)
        {
            Directory.CreateDirectory(Path.Combine(hierarchy, path.TrimStart('/')));
        }
    }

    [Fact]
    public async Task Kubepods_and_system_reserved_are_limited_and_set_free_when_the_agent_stops()
    {
        await using var agent = Agent.Prepare("alloc");
        var system = $"{agent.CgroupRoot}/system.slice";
        MakeCgroup(system);
        var before = Limits(system);
        await agent.StartProcessAsync(
            "--system-reserved", "cpu=500m,memory=1Gi,pid=1000", "--kube-reserved", "memory=512Mi",
            "--enforce-node-allocatable", "pods,system-reserved", "--system-reserved-cgroup", system);

        var kubepods = $"{agent.CgroupRoot}/kubepods";
        var cores = Environment.ProcessorCount * 1000L;
        var (memory, cpu, pids) = Limits(kubepods);
        Assert.Equal((MemTotal - Gi - (512 * Mi)) / Page * Page, long.Parse(memory, CultureInfo.InvariantCulture));
        Assert.Equal(Cpu(CgroupMath.MilliCpuToShares(cores - 500)), cpu);
        Assert.Equal((PidCapacity - 1000).ToString(CultureInfo.InvariantCulture), pids);
        Assert.Equal((Gi.ToString(CultureInfo.InvariantCulture), Cpu(512), "1000"), Limits(system));

        // Allocatable also keeps the hard eviction threshold (memory.available<100Mi) back.
        var node = JsonNode.Parse((await agent.BerthAsync("node", "-o", "json")).Stdout)!;
        Assert.Equal((MemTotal - Gi - (512 * Mi) - (100 * Mi)).ToString(CultureInfo.InvariantCulture), (string?)node["node"]!["status"]!["allocatable"]!["memory"]);
        Assert.Equal("1500m", (string?)node["node"]!["status"]!["allocatable"]!["cpu"]);

        await agent.StopProcessAsync();
        var (freedMemory, freedCpu, freedPids) = Limits(kubepods);
        Assert.True(freedMemory == "max" || long.Parse(freedMemory, CultureInfo.InvariantCulture) > MemTotal, $"kubepods memory limit after stop: {freedMemory}");
        Assert.Equal(Cpu(CgroupMath.MilliCpuToShares(cores)), freedCpu);
        Assert.Equal("max", freedPids);
        Assert.Equal(before, Limits(system));
    }

    [Fact]
    public async Task A_reserved_cgroup_that_does_not_exist_keeps_the_agent_from_starting()
    {
        await using var agent = Agent.Prepare("noslice");
        var result = await Shell.RunAsync([.. agent.ServeArgs, "--enforce-node-allocatable", "pods,kube-reserved", "--kube-reserved", "memory=1Gi", "--kube-reserved-cgroup", $"{agent.CgroupRoot}/missing.slice"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"its cgroup {agent.CgroupRoot}/missing.slice does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admission_refuses_what_the_node_cannot_run_and_creates_nothing_for_it()
    {
        await using var agent = await Agent.StartAsync("admit", "--max-pods", "2", "--node-labels", "disk=ssd", "--register-with-taints", "dedicated=infra:NoSchedule", "--hostname-override", "berth-node");
        await TestNode.ImportBusyboxAsync(agent);
        const string Tolerate = "  tolerations: [{ key: dedicated, operator: Equal, value: infra, effect: NoSchedule }]";
        static string Pod(string name, string spec, string requests = "{}") => $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
            {{spec}}
              containers:
                - name: main
                  image: busybox
                  command: ["sleep", "3600"]
                  resources: { requests: {{requests}} }
            """;

        var kubepods = Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList();
        foreach (var (name, spec, requests, expected) in new[]
        {
            ("too-big", Tolerate, "{ cpu: \"1000\" }", "OutOfcpu: Node didn't have enough resource: cpu, requested: 1000000, used: 0, capacity: "),
            ("elsewhere", Tolerate + "\n  nodeSelector: { disk: hdd }", "{}", "NodeAffinity: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"),
            ("other-node", Tolerate + "\n  nodeName: not-this-node", "{}", "NodeName: Predicate NodeName failed: node(s) didn't match the requested node name"),
            ("intolerant", "", "{}", "TaintToleration: Predicate TaintToleration failed: node(s) had untolerated taint(s)"),
        })
        {
            var played = await agent.PlayRawAsync(Pod(name, spec, requests));
            Assert.True(played.ExitCode == 2, played.ToString());
            Assert.Contains(expected, played.Stderr, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("default", (await agent.BerthAsync("ps", "-a")).Stdout, StringComparison.Ordinal);
        Assert.Equal(kubepods, Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList());

        // maxPods 2: two pods run, the third is refused.
        var third = await agent.PlayRawAsync(Pod("one", Tolerate + "\n  nodeSelector: { disk: ssd, kubernetes.io/hostname: berth-node }") + "\n---\n" + Pod("two", Tolerate) + "\n---\n" + Pod("three", Tolerate));
        Assert.True(third.ExitCode == 2, third.ToString());
        Assert.Contains("OutOfpods: Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2", third.Stderr, StringComparison.Ordinal);
        var two = await agent.PlayRawAsync(Pod("one", Tolerate) + "\n---\n" + Pod("two", Tolerate));
        Assert.True(two.ExitCode == 0, two.ToString());
        var refused = await agent.PlayRawAsync(Pod("three", Tolerate));
        Assert.Contains("OutOfpods", refused.Stderr, StringComparison.Ordinal);

        var node = JsonNode.Parse((await agent.BerthAsync("node", "-o", "json")).Stdout)!;
        Assert.Equal("2", (string?)node["node"]!["status"]!["capacity"]!["pods"]);
        Assert.Equal(2, (int?)node["allocated"]!["pods"]);
        Assert.Equal("ssd", (string?)node["node"]!["metadata"]!["labels"]!["disk"]);
        var config = (await agent.BerthAsync("config", "show")).Stdout;
        Assert.Contains("maxPods: 2", config, StringComparison.Ordinal);
        Assert.Contains("effect: NoSchedule", config, StringComparison.Ordinal);

        // The audit sees this node's gaps: no podPidsLimit (high, so exit 1), no reservations,
        // BestEffort pods, containers without memory limits, a namespace without a LimitRange.
        var audit = await agent.BerthAsync("audit", "-o", "json");
        Assert.True(audit.ExitCode == 1, audit.ToString());
        var ids = JsonNode.Parse(audit.Stdout)!.AsArray().Select(f => (string)f!["id"]!).ToList();
        Assert.Equal(["BA001", "BA003", "BA005", "BA007", "BA008"], ids);
    }
}
