using System.Text.Json.Nodes;
using Berth.Core.Planning;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

[Collection("node")]
[Trait("Cgroup", "v1")]
public class CgroupTreeTests(TestNode node)
{
    private const long Unlimited = 9223372036854771712; // what memory.limit_in_bytes reads after -1

    private static string Pod(string name, string resources) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          containers:
            - name: main
              image: busybox
              command: ["sleep", "3600"]
              resources: {{resources}}
            - name: helper
              image: busybox
              command: ["sleep", "3600"]
              resources: {{resources}}
        """;

    public static TheoryData<string, string, string> Classes => new()
    {
        { "qos-guaranteed", "{ limits: { cpu: 500m, memory: 64Mi } }", "kubepods/pod" },
        { "qos-burstable", "{ requests: { cpu: 100m, memory: 32Mi }, limits: { cpu: 300m, memory: 96Mi } }", "kubepods/burstable/pod" },
        { "qos-besteffort", "{}", "kubepods/besteffort/pod" },
    };

    [Theory]
    [MemberData(nameof(Classes))]
    public async Task Pod_and_container_cgroups_carry_the_planned_values(string name, string resources, string qosPath)
    {
        var yaml = Pod(name, resources);
        var manifest = Path.Combine(node.Agent.Dir, name + "-plan.yaml");
        await File.WriteAllTextAsync(manifest, yaml);
        await using var pod = await node.Agent.PlayAsync(name, yaml);
        var doc = await pod.InspectAsync();
        var uid = (string)doc["uid"]!;
        var podPath = (string)doc["cgroupParent"]!;
        Assert.Equal($"{node.Agent.CgroupRoot}/{qosPath}{uid}", podPath);

        // The plan Berth prints for the same manifest on this node is what the kernel holds.
        var planned = await PlanAsync(manifest, uid);
        foreach (var hierarchy in Kernel.V1Hierarchies)
        {
            Assert.True(Directory.Exists(Kernel.CgroupDir(hierarchy, podPath)), $"{hierarchy}{podPath}");
        }

        Assert.Equal((long)planned["cpuShares"]!, long.Parse(Kernel.CgroupFile("cpu", podPath, "cpu.shares")));
        Assert.Equal((long?)planned["cpuQuota"] ?? -1, long.Parse(Kernel.CgroupFile("cpu", podPath, "cpu.cfs_quota_us")));
        Assert.Equal((long?)planned["memoryLimit"] ?? Unlimited, long.Parse(Kernel.CgroupFile("memory", podPath, "memory.limit_in_bytes")));

        foreach (var c in doc["containers"]!.AsArray())
        {
            var path = (string)c!["cgroupPath"]!;
            Assert.StartsWith(podPath + "/", path);
            var plan = planned["containers"]!.AsArray().Single(p => (string?)p!["name"] == (string?)c["name"])!;
            Assert.Equal((long)plan["cpuShares"]!, long.Parse(Kernel.CgroupFile("cpu", path, "cpu.shares")));
            Assert.Equal((long?)plan["cpuQuota"] ?? -1, long.Parse(Kernel.CgroupFile("cpu", path, "cpu.cfs_quota_us")));
            Assert.Equal((long?)plan["memoryLimit"] ?? Unlimited, long.Parse(Kernel.CgroupFile("memory", path, "memory.limit_in_bytes")));

            // The container's process is in that cgroup on every hierarchy.
            var pid = (int)c["pid"]!;
            foreach (var hierarchy in Kernel.V1Hierarchies)
            {
                Assert.Equal(path, Kernel.CgroupOf(pid, hierarchy));
            }

            // oom_score_adj: the plan's, except that this host cannot lower it below the agent's own.
            var floor = int.Parse(File.ReadAllText("/proc/self/oom_score_adj").Trim());
            Assert.Equal(Math.Max((int)plan["oomScoreAdj"]!, floor), int.Parse(File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim()));
        }
    }

    /// <summary>PSI of a pod and its containers, read from the hybrid host's unified mount where
    /// runc places containers: a container running more busy loops than the node has cpus
    /// shows cpu pressure rising in inspect.</summary>
    [Fact]
    public async Task Inspect_shows_cpu_pressure_of_a_busy_pod_and_its_container()
    {
        await using var pod = await node.Agent.PlayAsync("psi-busy", $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: psi-busy }
            spec:
              containers:
                - name: main
                  image: busybox
                  command: ["sh", "-c", "for i in $(seq {{Environment.ProcessorCount + 1}}); do (while :; do :; done) & done; wait"]
                  resources: { limits: { cpu: 200m, memory: 32Mi } }
            """);

        static long Total(JsonNode? pressure) => (long?)pressure?["cpu"]?["some"]?["totalMicroseconds"] ?? -1;
        var doc = await Eventually.UntilAsync(pod.InspectAsync, d => Total(d["containers"]![0]!["pressure"]) > 100_000 && Total(d["pressure"]) > 100_000, TimeSpan.FromSeconds(20), "cpu pressure of the throttled container and its pod");

        Assert.NotNull(doc["pressure"]!["memory"]!["full"]);
        Assert.NotNull(doc["containers"]![0]!["pressure"]!["io"]!["some"]!["avg10"]);
    }

    [Fact]
    public async Task Qos_cgroups_get_the_kubelet_s_shares()
    {
        var kubepods = node.Agent.CgroupRoot + "/kubepods";
        Assert.Equal(CgroupMath.MilliCpuToShares(Environment.ProcessorCount * 1000L), long.Parse(Kernel.CgroupFile("cpu", kubepods, "cpu.shares")));
        Assert.Equal("2", Kernel.CgroupFile("cpu", kubepods + "/besteffort", "cpu.shares"));
        await using var a = await node.Agent.PlayAsync("burst-a", Pod("burst-a", "{ requests: { cpu: 200m } }"));
        await using var b = await node.Agent.PlayAsync("burst-b", Pod("burst-b", "{ requests: { cpu: 300m } }"));
        Assert.Equal(CgroupMath.MilliCpuToShares(1000).ToString(), Kernel.CgroupFile("cpu", kubepods + "/burstable", "cpu.shares"));
        await a.DisposeAsync();
        Assert.Equal(CgroupMath.MilliCpuToShares(600).ToString(), Kernel.CgroupFile("cpu", kubepods + "/burstable", "cpu.shares"));
    }

    [Fact]
    public async Task Pod_pids_limit_stops_a_fork_loop_and_the_node_stays_fine()
    {
        await using var agent = await Agent.StartAsync("pids", "--pod-pids-limit", "50");
        await TestNode.ImportBusyboxAsync(agent);
        await using var pod = await agent.PlayAsync("forker", """
            apiVersion: v1
            kind: Pod
            metadata: { name: forker }
            spec:
              containers:
                - name: loop
                  image: busybox
                  command: ["sh", "-c", "( for i in $(seq 200); do sleep 3 & echo $i > /tmp/spawned; done ) 2> /tmp/fork-errors; sleep 4; echo spawned $(cat /tmp/spawned) fork-errors $(grep -c fork /tmp/fork-errors); sleep 3600"]
            """);
        var doc = await pod.InspectAsync();
        Assert.Equal(50, (long?)doc["pidsLimit"]);
        Assert.Equal("50", Kernel.CgroupFile("pids", (string)doc["cgroupParent"]!, "pids.max"));

        // busybox sh gives up at the first failed fork: the loop runs in a subshell that may die.
        string log = "";
        for (var i = 0; i < 150 && !log.Contains("fork-errors"); i++)
        {
            await Task.Delay(100);
            log = (await agent.BerthAsync("logs", "forker")).Stdout;
        }

        var match = System.Text.RegularExpressions.Regex.Match(log, @"spawned (\d+) fork-errors (\d+)");
        Assert.True(match.Success, log);
        Assert.InRange(int.Parse(match.Groups[1].Value), 1, 48); // 50 pids: infra, shell and subshell included
        Assert.True(int.Parse(match.Groups[2].Value) >= 1, log);
        Assert.Equal(0, (await agent.BerthAsync("ps")).ExitCode);
        Assert.Equal("ok\n", await Shell.HostAsync("sh", "-c", "echo ok"));
    }

    private async Task<JsonNode> PlanAsync(string manifest, string uid)
    {
        // The uid is generated at play time: plan with it so the cgroup names match.
        var withUid = Path.ChangeExtension(manifest, ".uid.yaml");
        await File.WriteAllTextAsync(withUid, (await File.ReadAllTextAsync(manifest)).Replace("metadata: { name: ", $"metadata: {{ uid: {uid}, name: ", StringComparison.Ordinal));
        var result = await Shell.RunAsync(["plan", withUid, "-o", "json", "--cgroup-root", node.Agent.CgroupRoot]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!["pods"]![0]!;
    }
}
