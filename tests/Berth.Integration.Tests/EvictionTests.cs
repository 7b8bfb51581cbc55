using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// Issue #14 on this host: the eviction manager sees real memory and pid pressure, raises the
/// node's condition, evicts the pod the kubelet would (Failed, Evicted) and lowers the condition
/// once the transition period has passed. Thresholds are set just under what the node has free
/// when the test starts, so the hogs stay small (900 MB, 300 processes). The
/// tests run alone (the "pressure" collection): other tests' memory and processes would move
/// the node's figures under them.
/// </summary>
[Collection("pressure")]
public class EvictionTests
{
    private const long Mi = 1L << 20;

    /// <summary>memory.available as the agent computes it: capacity minus the root cgroup's
    /// working set (usage − inactive file pages); on cgroup v2, whose root has no memory.current,
    /// from /proc/meminfo (MemFree + Inactive(file)).</summary>
    private static long MemoryAvailable()
    {
        var meminfo = File.ReadLines("/proc/meminfo")
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);
        if (CgroupV2.OnV2)
        {
            return meminfo["MemFree"] + meminfo["Inactive(file)"];
        }

        var usage = long.Parse(Kernel.CgroupFile("memory", "/", "memory.usage_in_bytes").Trim(), CultureInfo.InvariantCulture);
        var inactive = Kernel.CgroupFile("memory", "/", "memory.stat").Split('\n')
            .Select(l => l.Split(' ')).Where(f => f[0] == "total_inactive_file").Select(f => long.Parse(f[1], CultureInfo.InvariantCulture)).Single();
        return meminfo["MemTotal"] - Math.Max(0, usage - inactive);
    }

    /// <summary>pid.available as the agent computes it: the pid capacity less the processes running.</summary>
    private static long PidsAvailable() =>
        Math.Min(ReadLong("/proc/sys/kernel/pid_max"), ReadLong("/proc/sys/kernel/threads-max"))
        - Directory.EnumerateDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));

    private static long ReadLong(string path) => long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    private static string Pod(string name, string script, string resources = "{}") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          restartPolicy: Always
          terminationGracePeriodSeconds: 0
          containers:
            - name: main
              image: busybox
              command: ["sh", "-c", "{{script}}"]
              resources: {{resources}}
        """;

    private static async Task<JsonObject?> PodSummaryAsync(Agent agent, string name) =>
        JsonNode.Parse((await agent.BerthAsync("ps", "-a", "-o", "json")).Stdout)!.AsArray()
            .Select(p => p!.AsObject()).FirstOrDefault(p => (string?)p["name"] == name);

    private static async Task<JsonObject> ConditionAsync(Agent agent, string type) =>
        JsonNode.Parse((await agent.BerthAsync("node", "-o", "json")).Stdout)!["node"]!["status"]!["conditions"]!.AsArray()
            .Select(c => c!.AsObject()).Single(c => (string?)c["type"] == type);

    [Fact]
    public async Task A_BestEffort_memory_hog_is_evicted_the_Guaranteed_pod_stays_and_MemoryPressure_comes_and_goes()
    {
        // Without pods' allocatable enforced: the kubelet would also hold allocatableMemory.available
        // to this threshold, which allocatable (capacity less the very same threshold) always meets.
        var threshold = MemoryAvailable() - (400 * Mi);
        await using var agent = await Agent.StartAsync(
            "evict-mem", "--eviction-hard", $"memory.available<{threshold}", "--enforce-node-allocatable", "none",
            "--eviction-pressure-transition-period", "5s", "--housekeeping-interval", "1");
        await TestNode.ImportBusyboxAsync(agent);
        await using var steady = await agent.PlayAsync("steady", Pod("steady", "sleep 3600", "{ requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 100m, memory: 64Mi } }"));
        Assert.Equal("False", (string?)(await ConditionAsync(agent, "MemoryPressure"))["status"]);

        // tail keeps the one endless line it reads (900 MB of zeros) until its input ends, in an hour.
        await using var hog = await agent.PlayAsync("hog", Pod("hog", "(dd if=/dev/zero bs=1M count=900; sleep 3600) | tail -n 1"));

        var evicted = await Eventually.UntilAsync(() => PodSummaryAsync(agent, "hog"), p => (string?)p?["reason"] == "Evicted", TimeSpan.FromSeconds(60), "the hog's eviction");
        Assert.Equal("Failed", (string?)evicted!["phase"]);
        Assert.StartsWith("The node was low on resource: memory. ", (string?)evicted["message"], StringComparison.Ordinal);
        var raised = await ConditionAsync(agent, "MemoryPressure");
        Assert.Equal(("True", "KubeletHasInsufficientMemory"), ((string?)raised["status"], (string?)raised["reason"]));
        Assert.Equal("Running", (string?)(await PodSummaryAsync(agent, "steady"))!["phase"]);
        var inspect = await hog.InspectAsync();
        Assert.Contains(inspect["conditions"]!.AsArray(), c => (string?)c!["type"] == "DisruptionTarget" && (string?)c["reason"] == "TerminationByKubelet");
        var evictedEvent = inspect["events"]!.AsArray().Single(e => (string?)e!["reason"] == "Evicted" && (string?)e["type"] == "Warning")!;
        Assert.Equal("memory", (string?)evictedEvent["annotations"]?["starved_resource"]);
        Assert.Equal("main", (string?)evictedEvent["annotations"]?["offending_containers"]);

        var cleared = await Eventually.UntilAsync(() => ConditionAsync(agent, "MemoryPressure"), c => (string?)c["status"] == "False", TimeSpan.FromSeconds(30), "MemoryPressure to clear");
        Assert.Equal("KubeletHasSufficientMemory", (string?)cleared["reason"]);
        Assert.Equal("Evicted", (string?)(await PodSummaryAsync(agent, "hog"))!["reason"]); // not restarted, record kept
        Assert.Equal("Running", (string?)(await PodSummaryAsync(agent, "steady"))!["phase"]);

        // The node's own events, in order, beside the pods' in berth events.
        var listed = await agent.BerthAsync("events", "-o", "json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var all = JsonNode.Parse(listed.Stdout)!.AsArray();
        var hogEvicted = all.Single(e => (string?)e!["pod"] == "hog" && (string?)e["reason"] == "Evicted")!;
        Assert.Equal("memory", (string?)hogEvicted["annotations"]?["starved_resource"]);
        var nodeEvents = all.Where(e => e!["node"] is not null).Select(e => (string)e!["reason"]!).ToList();
        var insufficient = nodeEvents.IndexOf("NodeHasInsufficientMemory");
        Assert.True(insufficient > 0 && nodeEvents[0] == "NodeHasSufficientMemory", string.Join(", ", nodeEvents));
        Assert.Contains("EvictionThresholdMet", nodeEvents.Skip(insufficient));
        Assert.Contains("NodeHasSufficientMemory", nodeEvents.Skip(insufficient));
    }

    [Fact]
    public async Task A_pod_forking_hundreds_of_processes_is_evicted_under_PIDPressure()
    {
        var threshold = PidsAvailable() - 200;
        await using var agent = await Agent.StartAsync(
            "evict-pid", "--eviction-hard", $"pid.available<{threshold}", "--eviction-pressure-transition-period", "5s", "--housekeeping-interval", "1");
        await TestNode.ImportBusyboxAsync(agent);
        await using var forker = await agent.PlayAsync("forker", Pod("forker", "for i in $(seq 300); do sleep 600 & done; wait"));

        var evicted = await Eventually.UntilAsync(() => PodSummaryAsync(agent, "forker"), p => (string?)p?["reason"] == "Evicted", TimeSpan.FromSeconds(60), "the forker's eviction");
        Assert.Equal("Failed", (string?)evicted!["phase"]);
        Assert.StartsWith("The node was low on resource: pids. ", (string?)evicted["message"], StringComparison.Ordinal);
        Assert.Equal("True", (string?)(await ConditionAsync(agent, "PIDPressure"))["status"]);

        // While the condition holds, admission refuses new pods as the kubelet's would.
        var late = await agent.PlayRawAsync(Pod("late", "sleep 1"));
        if (late.ExitCode == 0)
        {
            Assert.Equal("False", (string?)(await ConditionAsync(agent, "PIDPressure"))["status"]); // it had cleared already
        }
        else
        {
            Assert.True(late.ExitCode == 2, late.ToString());
            Assert.Contains("Evicted: The node had condition: [PIDPressure].", late.Stderr, StringComparison.Ordinal);
        }

        await Eventually.UntilAsync(() => ConditionAsync(agent, "PIDPressure"), c => (string?)c["status"] == "False", TimeSpan.FromSeconds(30), "PIDPressure to clear");
    }
}
