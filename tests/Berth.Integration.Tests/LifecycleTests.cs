using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>Creation failures roll back; removal leaves nothing behind.</summary>
[Collection("node")]
public class LifecycleTests(TestNode node)
{
    /// <summary>Everything a pod may leave on the node, for before/after comparisons.</summary>
    private sealed record Leftovers(
        IReadOnlyList<string> Cgroups,
        IReadOnlyList<string> Mounts,
        IReadOnlyList<string> Bundles,
        IReadOnlyList<string> Records,
        IReadOnlyList<string> LogDirs)
    {
        public static Leftovers Of(Agent agent) => new(
            [.. Kernel.CgroupDirectoriesUnder(agent.CgroupRoot + "/kubepods").Where(d => d.Contains("/pod", StringComparison.Ordinal)).Order()],
            [.. Kernel.MountPoints().Where(m => m.StartsWith(agent.Dir, StringComparison.Ordinal)).Order()],
            List(Path.Combine(agent.RunRoot, "bundles")),
            [.. new[] { "pods", "sandboxes", "containers" }.SelectMany(d => List(Path.Combine(agent.Root, d)))],
            List(agent.LogRoot));

        private static IReadOnlyList<string> List(string dir) =>
            Directory.Exists(dir) ? [.. Directory.EnumerateFileSystemEntries(dir).Order()] : [];

        public void AssertSameAs(Leftovers before)
        {
            Assert.Equal(before.Cgroups, Cgroups);
            Assert.Equal(before.Mounts, Mounts);
            Assert.Equal(before.Bundles, Bundles);
            Assert.Equal(before.Records, Records);
            Assert.Equal(before.LogDirs, LogDirs);
        }
    }

    [Fact]
    public async Task Missing_image_is_bad_input_and_creates_nothing()
    {
        var before = Leftovers.Of(node.Agent);
        var result = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: no-image }
            spec:
              containers:
                - { name: a, image: busybox, command: ["true"] }
                - { name: b, image: nonexistent/thing:1.0, command: ["true"] }
            """);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("spec.containers[1].image: Not found: \"nonexistent/thing:1.0\"", result.Stderr);
        Leftovers.Of(node.Agent).AssertSameAs(before);
    }

    [Theory]
    [InlineData("bad-mount", "volumes: [{ name: v, emptyDir: {} }]", "volumeMounts: [{ name: v, mountPath: /proc/berth-bad-mount }]", "/proc/berth-bad-mount")]
    [InlineData("bad-binary", "", "", "no-such-binary")]
    public async Task Runtime_failure_during_creation_rolls_everything_back(string name, string volumes, string mounts, string cause)
    {
        var before = Leftovers.Of(node.Agent);
        var result = await node.Agent.PlayRawAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: {{name}} }
            spec:
              {{volumes}}
              containers:
                - { name: ok, image: busybox, command: ["sleep", "3600"] }
                - name: broken
                  image: busybox
                  command: ["{{(name == "bad-binary" ? "/no-such-binary" : "sleep")}}", "3600"]
                  {{mounts}}
            """);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(cause, result.Stderr); // the runtime's own words reach the user
        Assert.Contains("runc", result.Stderr);
        Leftovers.Of(node.Agent).AssertSameAs(before);
        Assert.DoesNotContain(name, (await node.Agent.BerthAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Down_leaves_no_process_cgroup_mount_bundle_or_record()
    {
        var before = Leftovers.Of(node.Agent);
        var pod = await node.Agent.PlayAsync("doomed", """
            apiVersion: v1
            kind: Pod
            metadata: { name: doomed }
            spec:
              shareProcessNamespace: true
              volumes: [{ name: scratch, emptyDir: {} }]
              containers:
                - { name: a, image: busybox, command: ["sleep", "3600"], volumeMounts: [{ name: scratch, mountPath: /s }], resources: { limits: { cpu: 100m, memory: 32Mi } } }
                - { name: b, image: busybox, command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"], resources: { limits: { cpu: 100m, memory: 32Mi } } }
            """);
        var doc = await pod.InspectAsync();
        var pids = doc["containers"]!.AsArray().Select(c => (int)c!["pid"]!).Append((int)doc["infraPid"]!).ToList();
        var monitors = Directory.EnumerateFiles(Path.Combine(node.Agent.RunRoot, "bundles"), "conmon.pid", SearchOption.AllDirectories)
            .Select(f => int.Parse(File.ReadAllText(f).Trim())).ToList();
        Assert.Equal(3, monitors.Count);
        Assert.All(pids.Concat(monitors), p => Assert.True(Kernel.IsAlive(p)));
        Assert.NotEqual(before.Cgroups, Leftovers.Of(node.Agent).Cgroups);

        var down = await node.Agent.BerthAsync("down", "doomed", "--grace-period", "5");
        Assert.Equal(0, down.ExitCode);
        Assert.Contains("pod default/doomed removed", down.Stdout);
        await Task.Delay(200);
        Assert.All(pids.Concat(monitors), p => Assert.False(Kernel.IsAlive(p), $"pid {p} still alive"));
        Leftovers.Of(node.Agent).AssertSameAs(before);
        Assert.DoesNotContain("doomed", (await node.Agent.BerthAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Image_in_use_cannot_be_removed()
    {
        var rootfs = Path.Combine(node.Agent.Dir, "busybox-rootfs");
        Assert.Equal(0, (await node.Agent.BerthAsync("image", "import", rootfs, "busybox:pinned")).ExitCode);
        var pod = await node.Agent.PlayAsync("pinned", """
            apiVersion: v1
            kind: Pod
            metadata: { name: pinned }
            spec:
              containers: [{ name: a, image: "busybox:pinned", command: ["sleep", "3600"] }]
            """);
        var refused = await node.Agent.BerthAsync("image", "rm", "busybox:pinned");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("used by 1 container", refused.Stderr);
        await pod.DisposeAsync();
        Assert.Equal(0, (await node.Agent.BerthAsync("image", "rm", "busybox:pinned")).ExitCode);
        Assert.DoesNotContain("pinned", (await node.Agent.BerthAsync("image", "ls")).Stdout);
    }

    [Fact]
    public async Task Ps_lists_pods_and_completed_ones_only_with_all()
    {
        await using var done = await node.Agent.PlayAsync("done-pod", """
            apiVersion: v1
            kind: Pod
            metadata: { name: done-pod }
            spec:
              restartPolicy: Never
              containers: [{ name: a, image: busybox, command: ["true"] }]
            """);
        Assert.DoesNotContain("done-pod", (await node.Agent.BerthAsync("ps")).Stdout);
        var all = await node.Agent.BerthAsync("ps", "-a", "-o", "json");
        var pod = JsonNode.Parse(all.Stdout)!.AsArray().Single(p => (string?)p!["name"] == "done-pod")!;
        Assert.Equal("Succeeded", (string?)pod["phase"]);
        Assert.Equal("exited", (string?)pod["containers"]![0]!["state"]);
    }
}
