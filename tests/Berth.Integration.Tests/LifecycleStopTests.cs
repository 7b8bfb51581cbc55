using System.Diagnostics;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>Graceful termination and hooks, and a dead infra process.</summary>
[Collection("node")]
public class LifecycleStopTests(TestNode node)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sigterm_handled_ends_quickly_and_ignored_ends_with_sigkill_after_the_grace_period()
    {
        var polite = await node.Agent.PlayAsync("polite", """
            apiVersion: v1
            kind: Pod
            metadata: { name: polite }
            spec:
              containers: [{ name: c, image: busybox, command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"] }]
            """);
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, (await node.Agent.BerthAsync("down", "polite", "--grace-period", "20")).ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");

        var stubborn = await node.Agent.PlayAsync("stubborn", """
            apiVersion: v1
            kind: Pod
            metadata: { name: stubborn }
            spec:
              terminationGracePeriodSeconds: 2
              containers: [{ name: c, image: busybox, command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"] }]
            """);
        var pid = await stubborn.PidAsync("c");
        watch.Restart();
        Assert.Equal(0, (await node.Agent.BerthAsync("down", "stubborn")).ExitCode); // grace from the spec
        Assert.InRange(watch.Elapsed.TotalSeconds, 2, 10);
        Assert.False(Kernel.IsAlive(pid));
        await polite.DisposeAsync();
    }

    [Fact]
    public async Task PreStop_runs_before_sigterm_and_postStart_after_start()
    {
        var marks = Directory.CreateTempSubdirectory("berth-it-hooks-").FullName;
        try
        {
            var pod = await node.Agent.PlayAsync("hooks", $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: hooks }
                spec:
                  volumes: [{ name: m, hostPath: { path: {{marks}} } }]
                  containers:
                    - name: c
                      image: busybox
                      command: ["sh", "-c", "trap 'echo term >> /m/order; exit 0' TERM; while true; do sleep 0.1; done"]
                      volumeMounts: [{ name: m, mountPath: /m }]
                      lifecycle:
                        postStart: { exec: { command: ["sh", "-c", "echo poststart >> /m/order"] } }
                        preStop: { exec: { command: ["sh", "-c", "echo prestop >> /m/order; sleep 1"] } }
                """);
            await Eventually.UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(marks, "order")) ? File.ReadAllText(Path.Combine(marks, "order")) : ""), s => s.Contains("poststart"), Patience, "postStart");
            Assert.Equal(0, (await node.Agent.BerthAsync("down", "hooks", "--grace-period", "10")).ExitCode);
            Assert.Equal(["poststart", "prestop", "term"], File.ReadAllLines(Path.Combine(marks, "order")));
            await pod.DisposeAsync();
        }
        finally
        {
            Directory.Delete(marks, recursive: true);
        }
    }

    [Fact]
    public async Task Killed_infra_process_gets_a_new_sandbox_and_the_containers_come_back()
    {
        await using var pod = await node.Agent.PlayAsync("phoenix", """
            apiVersion: v1
            kind: Pod
            metadata: { name: phoenix }
            spec:
              restartPolicy: OnFailure
              initContainers: [{ name: init, image: busybox, command: ["true"] }]
              containers:
                - { name: server, image: busybox, command: ["sleep", "3600"] }
                - { name: job, image: busybox, command: ["true"] }
            """);
        await Eventually.UntilAsync(() => pod.InspectAsync(), d => (string?)d["containers"]![2]!["reason"] == "Completed", Patience, "job done");
        var before = await pod.InspectAsync();
        var oldInfra = (int)before["infraPid"]!;
        var oldServer = (int)before["containers"]![1]!["pid"]!;
        var oldCgroup = (string)before["cgroupParent"]! + "/" + (string)before["sandboxId"]!;

        await Shell.HostAsync("kill", "-9", oldInfra.ToString());

        var after = await Eventually.UntilAsync(
            () => pod.InspectAsync(),
            d => (string?)d["sandboxId"] != (string?)before["sandboxId"] && (string?)d["containers"]![1]!["state"] == "running",
            Patience,
            "a new sandbox with the server back");
        Assert.NotEqual(oldInfra, (int)after["infraPid"]!);
        Assert.True(Kernel.IsAlive((int)after["infraPid"]!));
        Assert.False(Kernel.IsAlive(oldServer));
        Assert.Equal(1, (int?)after["sandboxAttempt"]);
        Assert.Equal(1, (int?)after["containers"]![1]!["restartCount"]); // server: restarted in the new sandbox
        Assert.Equal(1, (int?)after["containers"]![0]!["restartCount"]); // init ran again
        Assert.True(0 == (int?)after["containers"]![2]!["restartCount"], "DIAG " + after.ToJsonString()); // job succeeded under OnFailure: stays done
        Assert.Contains(after["events"]!.AsArray(), e => (string?)e!["reason"] == "SandboxChanged");
        Assert.Equal(Kernel.NsInode((int)after["infraPid"]!, "net"), Kernel.NsInode((int)after["containers"]![1]!["pid"]!, "net"));
        Assert.False(Directory.Exists(Kernel.CgroupDir("memory", oldCgroup)));
    }

    [Fact]
    public async Task Killed_infra_process_ends_a_never_pod()
    {
        await using var pod = await node.Agent.PlayAsync("mortal", """
            apiVersion: v1
            kind: Pod
            metadata: { name: mortal }
            spec:
              restartPolicy: Never
              containers: [{ name: c, image: busybox, command: ["sleep", "3600"] }]
            """);
        var doc = await pod.InspectAsync();
        var container = await pod.PidAsync("c");
        await Shell.HostAsync("kill", "-9", ((int)doc["infraPid"]!).ToString());
        doc = await Eventually.UntilAsync(
            () => pod.InspectAsync(),
            d => (string?)d["phase"] == "Failed" && d["events"]!.AsArray().Any(e => (string?)e!["reason"] == "SandboxChanged"),
            Patience,
            "the pod failing after its sandbox changed");
        Assert.False(Kernel.IsAlive(container));
        Assert.Equal(137, (int?)doc["containers"]![0]!["exitCode"]);
        Assert.Equal(0, (int?)doc["infraPid"]);
        Assert.Contains(doc["events"]!.AsArray(), e => (string?)e!["reason"] == "SandboxChanged");
    }
}
