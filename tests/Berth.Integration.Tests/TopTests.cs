using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// Issue #14's <c>berth top</c> against a real agent: <c>-o json</c> prints one snapshot with
/// the busy container's cores, the pod's working set and PSI, restarts and the node's pressure
/// conditions; a piped <c>berth top</c> prints one table and exits. It measures cores, so it
/// runs alone (the "pressure" collection).
/// </summary>
[Collection("pressure")]
public class TopTests
{
    private static readonly string[] PressureConditions = ["MemoryPressure", "DiskPressure", "PIDPressure"];

    private static async Task<JsonNode> TopAsync(Agent agent, params string[] extra)
    {
        var result = await agent.BerthAsync(["top", "-o", "json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!;
    }

    private static JsonNode? Pod(JsonNode top, string name) =>
        top["pods"]!.AsArray().SingleOrDefault(p => (string?)p!["name"] == name);

    private static JsonNode? Container(JsonNode top, string pod, string name) =>
        Pod(top, pod)?["containers"]!.AsArray().SingleOrDefault(c => (string?)c!["name"] == name);

    /// <summary>The eviction manager has decided each pressure condition (Unknown before its first pass).</summary>
    private static bool Decided(JsonNode top) =>
        PressureConditions.All(type => top["node"]!["conditions"]!.AsArray().Any(c => (string?)c!["type"] == type && (string?)c["status"] != "Unknown"));

    [Fact]
    public async Task Top_json_shows_a_busy_loops_cores_the_pods_working_set_and_psi_and_the_nodes_conditions()
    {
        var agent = await Agent.StartAsync("top", "--housekeeping-interval", "1");
        await using var _ = agent;
        await TestNode.ImportBusyboxAsync(agent);
        await using var pod = await agent.PlayAsync("topload", """
            apiVersion: v1
            kind: Pod
            metadata: { name: topload, namespace: top }
            spec:
              containers:
                - { name: busy, image: busybox, command: ["sh", "-c", "while :; do :; done"] }
                - { name: sleeper, image: busybox, command: ["sleep", "3600"] }
            """);

        // Two passes are needed for a rate; the loop is one thread, so about one core. A pass taken
        // before the sleeper started lists it from the pod's record alone, without figures.
        var top = await Eventually.UntilAsync(
            () => TopAsync(agent),
            t => (double?)Container(t, "topload", "busy")?["cpuCores"] >= 0.3 && Container(t, "topload", "sleeper")?["cpuCores"] is not null && Decided(t),
            TimeSpan.FromSeconds(60),
            "the busy container at 0.3 cores or more, the sleeper sampled and the pressure conditions decided");

        foreach (var type in PressureConditions)
        {
            var condition = top["node"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == type)!;
            Assert.Equal("False", (string?)condition["status"]);
            Assert.False(string.IsNullOrEmpty((string?)condition["reason"]), condition.ToJsonString());
        }

        Assert.Contains(top["node"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Ready");
        Assert.True((double?)top["node"]!["memoryWorkingSetBytes"] > 0, top["node"]!.ToJsonString());
        Assert.InRange((double)top["node"]!["cpuCores"]!, 0.3, Environment.ProcessorCount * 1.1); // never more cores than the node has
        Assert.NotNull(top["node"]!["psi"]);

        var load = Pod(top, "topload")!;
        Assert.Equal(("top", "Running", "BestEffort"), ((string?)load["namespace"], (string?)load["phase"], (string?)load["qosClass"]));
        Assert.True((double?)load["workingSetBytes"] > 0, load.ToJsonString());
        Assert.True((double?)load["cpuCores"] >= 0.3, load.ToJsonString());
        Assert.NotNull(load["psi"]);
        Assert.NotNull(load["psi"]!["cpuSomeAvg10"]);
        Assert.Equal(0, (int)load["restarts"]!);
        var sleeper = Container(top, "topload", "sleeper")!;
        Assert.Equal(0, (int)sleeper["restartCount"]!);
        Assert.NotNull(sleeper["psi"]);
        Assert.True((double?)sleeper["cpuCores"] < 0.3, sleeper.ToJsonString());

        // Containers sort under their pod by the same column: the busy one first by cpu.
        Assert.Equal(["busy", "sleeper"], load["containers"]!.AsArray().Select(c => (string?)c!["name"]));
        var byName = await TopAsync(agent, "--sort", "name", "-n", "top");
        Assert.Equal(["topload"], byName["pods"]!.AsArray().Select(p => (string?)p!["name"]));
        Assert.Empty((await TopAsync(agent, "-n", "no-such-namespace"))["pods"]!.AsArray());

        // Not a terminal and no -o: one table, then exit.
        var table = await agent.BerthAsync("top", "-n", "top");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("topload", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("MemoryPressure", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("sorted by cpu", table.Stdout, StringComparison.Ordinal);

        var bogus = await agent.BerthAsync("top", "--sort", "bogus");
        Assert.Equal(2, bogus.ExitCode);
        Assert.Contains("--sort", bogus.Stderr, StringComparison.Ordinal);
    }
}
