using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// The subPath check and the mount must be one: a pod that swaps a directory for a symlink to the
/// host root while its container (re)starts must never get the host, and an agent killed between
/// mounting and cleaning up leaves nothing mounted once it is back.
/// </summary>
[Collection("node")]
public class SubPathRaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_symlink_swapped_in_while_the_container_restarts_never_gives_it_the_host()
    {
        // Restarts as fast as the agent syncs: many starts race with the swapper.
        await using var agent = await Agent.StartAsync("subpath-race", "--backoff-base", "0.01", "--backoff-max", "0.01", "--sync-interval", "0.02");
        await TestNode.ImportBusyboxAsync(agent);
        var marker = $"/tmp/berth-subpath-race-{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(marker, "host");
        try
        {
            // The swapper flips /data/sub between a directory (renamed in and out, so it lives on)
            // and a link to "/" (the host's root, for whoever follows it on the host). Each start
            // of the victim records whether its /mnt is the host's root; a start that meets the
            // link is refused (CreateContainerConfigError) and retried on the next sync.
            var yaml = $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: subpath-race }
                spec:
                  volumes: [{ name: data, emptyDir: {} }, { name: report, emptyDir: {} }]
                  containers:
                    - name: swapper
                      image: busybox
                      command: ["sh", "-c", "mkdir /data/real; until [ -e /data/go ]; do sleep 0.1; done; while true; do mv /data/real /data/sub; sleep 0.1; mv /data/sub /data/real; ln -s / /data/sub; sleep 0.03; rm /data/sub; done"]
                      volumeMounts: [{ name: data, mountPath: /data }]
                    - name: victim
                      image: busybox
                      command: ["sh", "-c", "if [ -e /mnt{{marker}} ]; then echo escaped >> /report/escapes; fi; echo start >> /report/starts"]
                      volumeMounts: [{ name: data, mountPath: /mnt, subPath: sub }, { name: report, mountPath: /report }]
                """;
            var play = await agent.PlayRawAsync(yaml);
            var doc = JsonInspect(await agent.BerthAsync("inspect", "subpath-race"), play);
            var report = Path.Combine(SubPathTests.PodDir(agent, doc), "volumes", "report");

            // Swapping starts once play is done, so play sees the pod run.
            await File.WriteAllTextAsync(Path.Combine(SubPathTests.PodDir(agent, doc), "volumes", "data", "go"), "");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline && Starts(report) < 40)
            {
                await Task.Delay(200);
            }

            Assert.True(Starts(report) >= 10, $"the victim started only {Starts(report)} times (play: {play})");
            var escapes = Path.Combine(report, "escapes");
            Assert.True(!File.Exists(escapes), $"the victim saw the host's root in {(File.Exists(escapes) ? File.ReadAllLines(escapes).Length : 0)} of {Starts(report)} starts");
            var down = await agent.BerthAsync("down", "subpath-race", "--grace-period", "0");
            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Empty(SubPathTests.SubPathMounts(agent));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Mounts_an_agent_crash_left_are_removed_when_it_comes_back()
    {
        await using var agent = await Agent.StartAsync("subpath-crash", TestNode.FastLifecycle);
        await TestNode.ImportBusyboxAsync(agent);
        await using var pod = await agent.PlayAsync("subpath-crash", """
            apiVersion: v1
            kind: Pod
            metadata: { name: subpath-crash }
            spec:
              volumes: [{ name: data, emptyDir: {} }]
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  volumeMounts: [{ name: data, mountPath: /d, subPath: kept }]
            """);
        var podDir = SubPathTests.PodDir(agent, await pod.InspectAsync());
        await agent.StopProcessAsync(kill: true);

        // What an agent killed after mounting a subPath but before creating its container leaves:
        // a target of a container the runtime does not have.
        var ghost = Path.Combine(podDir, "volume-subpaths", "data", "ghost", "0");
        Directory.CreateDirectory(ghost);
        await Shell.HostAsync("mount", "--bind", Path.Combine(podDir, "volumes", "data"), ghost);
        Assert.Contains(ghost, SubPathTests.SubPathMounts(agent));

        await agent.StartProcessAsync(TestNode.FastLifecycle);
        Assert.DoesNotContain(ghost, SubPathTests.SubPathMounts(agent));
        Assert.False(Directory.Exists(Path.Combine(podDir, "volume-subpaths", "data", "ghost")));
        Assert.True(Directory.Exists(Path.Combine(podDir, "volumes", "data", "kept"))); // the volume's content is untouched
        var live = Path.Combine(podDir, "volume-subpaths", "data", "app", "0");
        Assert.Contains(live, SubPathTests.SubPathMounts(agent)); // the running container's stays

        var down = await agent.BerthAsync("down", "subpath-crash", "--grace-period", "0");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Empty(SubPathTests.SubPathMounts(agent));
    }

    private static int Starts(string report) =>
        File.Exists(Path.Combine(report, "starts")) ? File.ReadAllLines(Path.Combine(report, "starts")).Length : 0;

    private static System.Text.Json.Nodes.JsonObject JsonInspect(CliResult result, CliResult play)
    {
        Assert.True(result.ExitCode == 0, $"{result}\nplay: {play}");
        return System.Text.Json.Nodes.JsonNode.Parse(result.Stdout)!.AsObject();
    }
}
