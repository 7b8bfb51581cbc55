using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>Init containers, restart policies, CrashLoopBackOff and exit facts on real containers
/// (the shared agent runs with back-off 1 s doubling to 8 s).</summary>
[Collection("node")]
public class LifecycleRestartTests(TestNode node)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Task<JsonObject> PodAsync(Pod pod) => pod.InspectAsync();

    private static JsonObject C(JsonObject pod, string name) => pod["containers"]!.AsArray().Single(c => (string?)c!["name"] == name)!.AsObject();

    [Fact]
    public async Task Init_containers_run_one_at_a_time_in_order_before_the_app()
    {
        await using var pod = await node.Agent.PlayAsync("init-order", """
            apiVersion: v1
            kind: Pod
            metadata: { name: init-order }
            spec:
              volumes: [{ name: w, emptyDir: {} }]
              initContainers:
                - { name: first, image: busybox, command: ["sh", "-c", "sleep 0.5; echo 1 >> /w/order"], volumeMounts: [{ name: w, mountPath: /w }] }
                - { name: second, image: busybox, command: ["sh", "-c", "echo 2 >> /w/order"], volumeMounts: [{ name: w, mountPath: /w }] }
              containers:
                - { name: app, image: busybox, command: ["sh", "-c", "cat /w/order; sleep 3600"], volumeMounts: [{ name: w, mountPath: /w }] }
            """);
        var doc = await PodAsync(pod);
        Assert.Equal("Running", (string?)doc["phase"]);
        var first = C(doc, "first");
        var second = C(doc, "second");
        Assert.Equal(0, (int?)first["exitCode"]);
        Assert.Equal("Completed", (string?)second["reason"]);
        Assert.True((DateTimeOffset)second["startedAt"]! >= (DateTimeOffset)first["finishedAt"]!);
        Assert.True((DateTimeOffset)C(doc, "app")["startedAt"]! >= (DateTimeOffset)second["finishedAt"]!);
        var logs = await Eventually.UntilAsync(async () => (await node.Agent.BerthAsync("logs", "init-order")).Stdout, s => s.Length > 0, Patience, "app output");
        Assert.Equal("1\n2\n", logs);
        Assert.Contains(doc["conditions"]!.AsArray(), c => (string?)c!["type"] == "Initialized" && (string?)c["status"] == "True");
    }

    [Fact]
    public async Task Failed_init_container_fails_a_never_pod_and_the_app_never_starts()
    {
        var result = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: init-fails }
            spec:
              restartPolicy: Never
              initContainers: [{ name: setup, image: busybox, command: ["sh", "-c", "exit 3"] }]
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);
        try
        {
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("pod default/init-fails is Failed", result.Stderr);
            var doc = JsonNode.Parse((await node.Agent.BerthAsync("inspect", "init-fails")).Stdout)!.AsObject();
            Assert.Equal(3, (int?)C(doc, "setup")["exitCode"]);
            Assert.Null((string?)C(doc, "app")["id"]);
        }
        finally
        {
            await node.Agent.BerthAsync("down", "init-fails", "--grace-period", "0");
        }
    }

    [Fact]
    public async Task Failed_init_container_is_retried_under_on_failure()
    {
        var play = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: init-retry }
            spec:
              restartPolicy: OnFailure
              initContainers: [{ name: setup, image: busybox, command: ["sh", "-c", "exit 1"] }]
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """, "--timeout", "2");
        try
        {
            Assert.Equal(1, play.ExitCode); // never runs: play reports it after its timeout
            var doc = await Eventually.UntilAsync(
                async () => JsonNode.Parse((await node.Agent.BerthAsync("inspect", "init-retry")).Stdout)!.AsObject(),
                d => (int)C(d, "setup")["restartCount"]! >= 2,
                Patience,
                "init restarts");
            Assert.Equal("Pending", (string?)doc["phase"]);
            Assert.Null((string?)C(doc, "app")["id"]);
        }
        finally
        {
            await node.Agent.BerthAsync("down", "init-retry", "--grace-period", "0");
        }
    }

    [Fact]
    public async Task Sidecar_starts_before_the_app_and_keeps_running_beside_it()
    {
        await using var pod = await node.Agent.PlayAsync("sidecar", """
            apiVersion: v1
            kind: Pod
            metadata: { name: sidecar }
            spec:
              initContainers:
                - { name: proxy, image: busybox, restartPolicy: Always, command: ["sleep", "3600"] }
                - { name: migrate, image: busybox, command: ["true"] }
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);
        var doc = await PodAsync(pod);
        Assert.Equal("running", (string?)C(doc, "proxy")["state"]);
        Assert.Equal("running", (string?)C(doc, "app")["state"]);
        Assert.Equal("exited", (string?)C(doc, "migrate")["state"]);
        Assert.True((DateTimeOffset)C(doc, "migrate")["startedAt"]! >= (DateTimeOffset)C(doc, "proxy")["startedAt"]!);
    }

    [Fact]
    public async Task Always_restarts_with_doubling_back_off_and_shows_crash_loop()
    {
        await using var pod = await node.Agent.PlayAsync("crashloop", """
            apiVersion: v1
            kind: Pod
            metadata: { name: crashloop }
            spec:
              containers: [{ name: crash, image: busybox, command: ["sh", "-c", "echo run; sleep 1.5; exit 2"] }]
            """);
        // The container's own timestamps give each back-off: an instance's start minus the previous
        // instance's finish. lastState describes the previous instance until this one exits.
        var gaps = new Dictionary<int, double>();
        var sawCrashLoop = false;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (gaps.Count < 4 && DateTime.UtcNow < deadline)
        {
            var c = C(await PodAsync(pod), "crash");
            var restarts = (int)c["restartCount"]!;
            if (c["startedAt"] is { } started && c["lastState"] is JsonObject last && (DateTimeOffset)last["startedAt"]! < (DateTimeOffset)started)
            {
                gaps.TryAdd(restarts, ((DateTimeOffset)started - (DateTimeOffset)last["finishedAt"]!).TotalSeconds);
            }

            sawCrashLoop |= (string?)c["waitingReason"] == "CrashLoopBackOff"
                && (await node.Agent.BerthAsync("ps")).Stdout.Contains("CrashLoopBackOff");
        }

        Assert.True(gaps.Keys.Intersect([2, 3, 4]).Count() == 3, $"saw restarts {string.Join(", ", gaps.Keys)}");
        // kubelet: the first crash restarts at once, then 1 s, 2 s, 4 s (base 1 s, doubling);
        // plus up to one sync interval (0.2 s) and the time runc takes to create and start.
        var expected = new Dictionary<int, double> { [2] = 1, [3] = 2, [4] = 4 };
        foreach (var (restart, wait) in expected)
        {
            Assert.InRange(gaps[restart], wait - 0.05, wait + 1.0);
        }

        Assert.True(sawCrashLoop, "ps should show CrashLoopBackOff while the restart waits");
        var doc = await PodAsync(pod);
        Assert.Equal("Running", (string?)doc["phase"]); // CrashLoopBackOff keeps the phase Running
        Assert.Equal(2, (int?)C(doc, "crash")["lastState"]!["exitCode"]);
        Assert.Contains(doc["events"]!.AsArray(), e => (string?)e!["reason"] == "BackOff");
        Assert.Equal("run\n", (await node.Agent.BerthAsync("logs", "crashloop", "--previous")).Stdout);
    }

    [Theory]
    [InlineData("OnFailure", 0, "Succeeded", 0)]
    [InlineData("Never", 1, "Failed", 0)]
    [InlineData("Never", 0, "Succeeded", 0)]
    public async Task Restart_policy_decides_whether_an_exited_container_comes_back(string policy, int exitCode, string phase, int restarts)
    {
        var name = $"policy-{policy.ToLowerInvariant()}-{exitCode}";
        await using var pod = await node.Agent.PlayAsync(name, $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
              restartPolicy: {{policy}}
              containers: [{ name: c, image: busybox, command: ["sh", "-c", "sleep 0.3; exit {{exitCode}}"] }]
            """, "--timeout", "1");
        var doc = await Eventually.UntilAsync(() => PodAsync(pod), d => (string?)d["phase"] == phase, Patience, $"phase {phase}");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // longer than a back-off step: nothing restarts
        doc = await PodAsync(pod);
        Assert.Equal(phase, (string?)doc["phase"]);
        Assert.Equal(restarts, (int?)C(doc, "c")["restartCount"]);
        Assert.Equal(exitCode, (int?)C(doc, "c")["exitCode"]);
        Assert.Equal(exitCode == 0 ? "Completed" : "Error", (string?)C(doc, "c")["reason"]);
    }

    [Fact]
    public async Task On_failure_restarts_a_failed_container()
    {
        await using var pod = await node.Agent.PlayAsync("onfailure-restart", """
            apiVersion: v1
            kind: Pod
            metadata: { name: onfailure-restart }
            spec:
              restartPolicy: OnFailure
              containers: [{ name: c, image: busybox, command: ["sh", "-c", "sleep 0.2; exit 4"] }]
            """);
        var doc = await Eventually.UntilAsync(() => PodAsync(pod), d => (int)C(d, "c")["restartCount"]! >= 2, Patience, "two restarts");
        Assert.Equal(4, (int?)C(doc, "c")["lastState"]!["exitCode"]);
    }

    [Fact]
    public async Task Memory_limit_kill_is_reported_as_oom_killed()
    {
        var played = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: oom }
            spec:
              restartPolicy: Never
              containers:
                - name: hog
                  image: busybox
                  # dd allocates and fills a 256 MiB buffer: far past the 32 MiB limit
                  command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"]
                  resources: { limits: { memory: 32Mi } }
            """);

        // dd may be killed before play first looks: then play itself reports the Failed pod.
        await using var pod = new Pod(node.Agent, "oom");
        Assert.True(played.ExitCode == 0 || played.Stderr.Contains("is Failed", StringComparison.Ordinal), played.ToString());
        var doc = await Eventually.UntilAsync(() => PodAsync(pod), d => (string?)d["phase"] == "Failed", Patience, "the OOM kill");
        var hog = C(doc, "hog");
        Assert.Equal("OOMKilled", (string?)hog["reason"]);
        Assert.Equal(137, (int?)hog["exitCode"]);
        Assert.Equal(9, (int?)hog["signal"]);
        Assert.NotNull(hog["finishedAt"]);
        await Eventually.UntilAsync(() => PodAsync(pod), d => d["events"]!.AsArray().Any(e => (string?)e!["reason"] == "OOMKilled"), Patience, "the OOMKilled event");
    }
}
