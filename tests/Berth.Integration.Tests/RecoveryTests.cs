using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>The agent can die at any moment (kill -9) without losing or duplicating anything.</summary>
[Collection("node")]
public class RecoveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task<Agent> FreshAgentAsync(string name)
    {
        var agent = await Agent.StartAsync(name, TestNode.FastLifecycle);
        await TestNode.ImportBusyboxAsync(agent);
        return agent;
    }

    private static async Task<IReadOnlyList<string>> RuncContainersAsync(Agent agent)
    {
        var json = (await Shell.HostAsync("runc", "--root", Path.Combine(agent.RunRoot, "runc"), "list", "--format", "json")).Trim();
        return json is "" or "null" ? [] : [.. JsonNode.Parse(json)!.AsArray().Select(c => (string)c!["id"]!)];
    }

    [Fact]
    public async Task Exits_while_the_agent_is_down_are_learned_and_restarted_once()
    {
        await using var agent = await FreshAgentAsync("recover");
        await using var steady = await agent.PlayAsync("steady", """
            apiVersion: v1
            kind: Pod
            metadata: { name: steady }
            spec:
              containers: [{ name: c, image: busybox, command: ["sleep", "3600"] }]
            """);
        // Exits with 5 three seconds after its first start; every later instance keeps running.
        await using var flaky = await agent.PlayAsync("flaky", """
            apiVersion: v1
            kind: Pod
            metadata: { name: flaky }
            spec:
              restartPolicy: OnFailure
              volumes: [{ name: w, emptyDir: {} }]
              containers:
                - name: c
                  image: busybox
                  command: ["sh", "-c", "if [ -f /w/ran ]; then exec sleep 3600; fi; touch /w/ran; sleep 3; exit 5"]
                  volumeMounts: [{ name: w, mountPath: /w }]
            """);
        var steadyPid = await steady.PidAsync("c");
        var flakyPid = await flaky.PidAsync("c");

        await agent.StopProcessAsync(kill: true);
        Assert.True(Kernel.IsAlive(steadyPid));
        await Eventually.UntilAsync(() => Task.FromResult(Kernel.IsAlive(flakyPid)), alive => !alive, Patience, "the flaky container exiting while the agent is down");

        await agent.StartProcessAsync(TestNode.FastLifecycle);
        Assert.Equal(steadyPid, await steady.PidAsync("c")); // re-adopted, not restarted
        var doc = await Eventually.UntilAsync(() => flaky.InspectAsync(), d => (string?)d["containers"]![0]!["state"] == "running", Patience, "the restart");
        var c = doc["containers"]![0]!;
        Assert.Equal(1, (int?)c["restartCount"]);
        Assert.Equal(5, (int?)c["lastState"]!["exitCode"]); // the exit code from the monitor's file
        Assert.NotNull(c["lastState"]!["finishedAt"]);

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (int?)(await flaky.InspectAsync())["containers"]![0]!["restartCount"]); // once, not again
        var runc = await RuncContainersAsync(agent);
        Assert.Equal(4, runc.Count); // two sandboxes and two containers: no duplicate
    }

    [Fact]
    public async Task Agent_killed_during_play_leaves_a_whole_pod_or_nothing()
    {
        await using var agent = await FreshAgentAsync("midplay");
        var manifest = Path.Combine(agent.Dir, "midplay.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Pod
            metadata: { name: midplay }
            spec:
              initContainers: [{ name: init, image: busybox, command: ["sleep", "0.3"] }]
              containers:
                - { name: a, image: busybox, command: ["sleep", "3600"] }
                - { name: b, image: busybox, command: ["sleep", "3600"] }
            """);
        var play = agent.BerthAsync("play", manifest);
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        await agent.StopProcessAsync(kill: true);
        await play;

        await agent.StartProcessAsync(TestNode.FastLifecycle);
        var ps = JsonNode.Parse((await agent.BerthAsync("ps", "-a", "-o", "json")).Stdout)!.AsArray();
        if (ps.Count == 0)
        {
            // nothing: no sandbox, container, bundle or pod cgroup is left
            Assert.Empty(await RuncContainersAsync(agent));
            Assert.Empty(Directory.EnumerateDirectories(Path.Combine(agent.RunRoot, "bundles")));
            Assert.DoesNotContain(Kernel.CgroupDirectoriesUnder(agent.CgroupRoot + "/kubepods"), d => d.Contains("/pod", StringComparison.Ordinal));
        }
        else
        {
            // whole: the pod runs with every container, each exactly once
            var doc = await Eventually.UntilAsync(
                async () => JsonNode.Parse((await agent.BerthAsync("inspect", "midplay")).Stdout)!,
                d => d["containers"]!.AsArray().Skip(1).All(c => (string?)c!["state"] == "running"),
                Patience,
                "the pod completing");
            Assert.Equal(3, (await RuncContainersAsync(agent)).Count); // infra + a + b (init exited and was kept)
            Assert.Equal(3, doc["containers"]!.AsArray().Count);
        }

        await agent.BerthAsync("down", "midplay", "--grace-period", "0");
    }
}
