using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>`berth serve --manifests DIR`: static pods follow their files, like the kubelet's staticPodPath.</summary>
public sealed class StaticPodsTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string manifests = Directory.CreateTempSubdirectory("berth-it-static-manifests-").FullName;
    private Agent agent = null!;

    private string[] AgentArgs => ["--manifests", manifests, "--sync-interval", "0.2"];

    public async Task InitializeAsync()
    {
        agent = await Agent.StartAsync("static", AgentArgs);
        await TestNode.ImportBusyboxAsync(agent);
    }

    public async Task DisposeAsync()
    {
        try
        {
            // The static source would recreate pods the harness downs: empty the directory first
            // and let the source stop them itself.
            Directory.Delete(manifests, recursive: true);
            Directory.CreateDirectory(manifests);
            if (agent.Pid != 0 && (await agent.BerthAsync("ps")).ExitCode == 0)
            {
                await UntilAsync(async () => (await PodsAsync()).Count(p => (string?)p["name"] != "api") == 0, "static pods stopped after their files went");
            }
        }
        finally
        {
            await agent.DisposeAsync();
            Directory.Delete(manifests, recursive: true);
        }
    }

    [Fact]
    public async Task Added_file_starts_a_pod_and_changed_file_recreates_it_with_a_new_uid()
    {
        var file = await WriteAsync("web.yaml", Web("one"));
        var first = await RunningAsync("web");
        Assert.Equal(ExpectedUid(file), (string?)first["uid"]);
        var doc = await InspectAsync("web");
        Assert.Equal("file:" + file, (string?)doc["source"]);
        var oldPid = (int)doc["containers"]![0]!["pid"]!;
        Assert.True(Kernel.IsAlive(oldPid));

        // Rewritten in place, as an editor does: a half-written file must not be taken for the new pod.
        await File.WriteAllTextAsync(file, Web("two"));
        var second = await UntilAsync(async () => (await PodsAsync()).SingleOrDefault(p => (string?)p["name"] == "web" && (string?)p["uid"] != (string?)first["uid"] && (string?)p["phase"] == "Running"), "the changed file's pod running");
        Assert.Equal(ExpectedUid(file), (string?)second!["uid"]);
        await UntilAsync(() => Task.FromResult(!Kernel.IsAlive(oldPid)), $"the old pod's container (pid {oldPid}) gone");
        Assert.True(Kernel.IsAlive((int)(await InspectAsync("web"))["containers"]![0]!["pid"]!));
        Assert.Single(await PodsAsync(), p => (string?)p["name"] == "web");
        Assert.Empty(PodCgroups((string)first["uid"]!));
    }

    [Fact]
    public async Task Removed_file_stops_its_pod_and_leaves_api_pods_alone()
    {
        var api = await agent.PlayAsync("api", """
            apiVersion: v1
            kind: Pod
            metadata: { name: api }
            spec:
              terminationGracePeriodSeconds: 1
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);
        var file = await WriteAsync("gone.yaml", Web("one", name: "gone"));
        var pod = await RunningAsync("gone");
        var uid = (string)pod["uid"]!;
        var pid = (int)(await InspectAsync("gone"))["containers"]![0]!["pid"]!;
        Assert.NotEmpty(PodCgroups(uid));

        File.Delete(file);
        await UntilAsync(async () => !(await PodsAsync()).Any(p => (string?)p["name"] == "gone"), "the removed file's pod gone");
        Assert.False(Kernel.IsAlive(pid), $"pid {pid} of the removed pod still runs");
        Assert.Empty(PodCgroups(uid));

        // Several rescans later the pod played through the API still runs, untouched.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var apiPod = Assert.Single(await PodsAsync(), p => (string?)p["name"] == "api");
        Assert.Equal("Running", (string?)apiPod["phase"]);
        Assert.Null((string?)(await InspectAsync("api"))["source"]);
        await api.DisposeAsync();
    }

    [Fact]
    public async Task Invalid_files_are_ignored_with_one_warning_and_do_not_block_others()
    {
        var broken = await WriteAsync("broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n");
        var invalid = await WriteAsync("invalid.json", """
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad"},
             "spec": {"restartPolicy": "Sometimes", "containers": [{"name": "a", "image": "busybox", "command": ["true"]}]}}
            """);
        await WriteAsync("notes.txt", "not a manifest: wrong extension");
        await WriteAsync("good.yml", Web("one", name: "good"));

        await RunningAsync("good");

        // Several rescans (every 2 s): still one warning per file content.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var log = await File.ReadAllTextAsync(agent.AgentLog);
        Assert.Equal(1, Count(log, $"ignoring invalid manifest {broken}"));
        Assert.Equal(1, Count(log, $"ignoring invalid manifest {invalid}"));
        Assert.Contains("spec.restartPolicy: Unsupported value: \"Sometimes\"", log);
        Assert.DoesNotContain("notes.txt", log);
        var pod = Assert.Single(await PodsAsync(), p => (string?)p["reason"] != "FailedValidation");
        Assert.Equal("good", (string?)pod["name"]);
        Assert.True((await agent.BerthAsync("ps")).ExitCode == 0, "the agent must keep serving");
    }

    [Fact]
    public async Task A_refused_file_is_shown_with_its_reason_and_read_again_only_when_it_changes()
    {
        var file = await WriteAsync("refused.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: { name: refused }
            spec:
              volumes: [{ name: c, configMap: { name: cfg } }]
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);
        var shown = await UntilAsync(async () => (await PodsAsync()).SingleOrDefault(p => (string?)p["name"] == "refused"), "the refused pod listed");
        Assert.Equal("Failed", (string?)shown!["phase"]);
        Assert.Equal("FailedValidation", (string?)shown["reason"]);
        Assert.Equal(ExpectedUid(file), (string?)shown["uid"]);
        Assert.Contains("spec.volumes[0].configMap: Unsupported value: only emptyDir and hostPath volumes are supported", (string?)shown["message"]);
        var table = await agent.BerthAsync("ps");
        Assert.Matches(@"(?m)^default\s+refused\s+FailedValidation\s", table.Stdout);

        var events = await EventsAsync("refused");
        var refusal = Assert.Single(events);
        Assert.Equal("Warning", (string?)refusal["type"]);
        Assert.Equal("FailedValidation", (string?)refusal["reason"]);
        Assert.Contains("spec.volumes[0].configMap: Unsupported value", (string?)refusal["message"]);

        // Several rescans (every 2 s) later: not read again, so still one refusal, from the first time.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal((string?)shown["createdUnixMs"], (string?)(await PodsAsync()).Single(p => (string?)p["name"] == "refused")["createdUnixMs"]);
        Assert.Single(await EventsAsync("refused"));
        Assert.Equal(1, Count(await File.ReadAllTextAsync(agent.AgentLog), $"ignoring invalid manifest {file}"));

        // Fixed: the pod runs and the refusal is gone.
        await WriteAsync("refused.yaml", Web("fixed", name: "refused"));
        var running = await RunningAsync("refused");
        Assert.Equal(ExpectedUid(file), (string?)running["uid"]);
        Assert.Single(await PodsAsync(), p => (string?)p["name"] == "refused");

        // Removed after being refused again: nothing stays listed.
        await WriteAsync("refused.yaml", "apiVersion: v1\nkind: Pod\nmetadata: { name: refused }\nspec: { containers: [] }\n");
        await UntilAsync(async () => (await PodsAsync()).Any(p => (string?)p["name"] == "refused" && (string?)p["reason"] == "FailedValidation"), "the broken edit refused");
        File.Delete(file);
        await UntilAsync(async () => !(await PodsAsync()).Any(p => (string?)p["name"] == "refused"), "the removed file's pod and refusal gone");
    }

    [Fact]
    public async Task Warnings_of_a_static_pod_reach_its_events()
    {
        await WriteAsync("noted.yaml", """
            apiVersion: v1
            kind: Pod
            metadata: { name: noted }
            spec:
              terminationGracePeriodSeconds: 1
              schedulerName: mine
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"], colour: blue }]
            """);
        await RunningAsync("noted");
        var warnings = (await EventsAsync("noted")).Where(e => (string?)e["reason"] == "FieldIgnored").ToList();
        Assert.All(warnings, e => Assert.Equal("Warning", (string?)e["type"]));
        Assert.Equal(
            ["spec.containers[0].colour: unknown field, ignored", "spec.schedulerName: ignored: the scheduler's field: there is no scheduler on a single node"],
            warnings.Select(e => (string)e["message"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Static_pod_comes_back_after_a_reboot()
    {
        await WriteAsync("survivor.yaml", Web("one", name: "survivor"));
        var before = await RunningAsync("survivor");
        var uid = (string)before["uid"]!;
        var doc = await InspectAsync("survivor");
        var oldInfra = (int)doc["infraPid"]!;
        var pids = doc["containers"]!.AsArray().Select(c => (int)c!["pid"]!).Append(oldInfra)
            .Concat(Directory.EnumerateFiles(Path.Combine(agent.RunRoot, "bundles"), "conmon.pid", SearchOption.AllDirectories)
                .Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture)))
            .Where(p => p > 0).ToList();

        // The reboot: the agent and every process of the pod die, /run and the cgroups are empty.
        await agent.StopProcessAsync(kill: true);
        foreach (var pid in pids.Where(Kernel.IsAlive))
        {
            await Shell.HostAsync("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await UntilAsync(() => Task.FromResult(!pids.Any(Kernel.IsAlive)), "every process of the pod dead");
        foreach (var mount in Kernel.MountPoints().Where(m => m.StartsWith(agent.Dir + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            await Shell.HostAsync("umount", "-l", mount);
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(agent.RunRoot))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        // A dead process leaves its cgroup only once reaped: retry until the kernel lets go.
        await UntilAsync(() => Task.FromResult(RemoveCgroups(uid)), "the pod's cgroups removed");

        await agent.StartProcessAsync(AgentArgs);
        var after = await RunningAsync("survivor");
        Assert.Equal(uid, (string?)after["uid"]);
        var newInfra = await UntilAsync(async () => (int)(await InspectAsync("survivor"))["infraPid"]!, p => p > 0 && p != oldInfra, "a new infra process");
        Assert.True(Kernel.IsAlive(newInfra));
        Assert.NotEmpty(PodCgroups(uid));

        // Several rescans later there is still exactly one copy.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var pod = Assert.Single(await PodsAsync());
        Assert.Equal(uid, (string?)pod["uid"]);
        Assert.Equal("Running", (string?)pod["phase"]);
    }

    // ---------------------------------------------------------------- helpers

    private static string Web(string version, string name = "web") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          labels: { version: "{{version}}" }
        spec:
          terminationGracePeriodSeconds: 1
          containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
        """;

    /// <summary>The kubelet-like identity: sha256(node name, path, bytes), first 32 hex digits as a UUID.</summary>
    private static string ExpectedUid(string path)
    {
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes($"{Environment.MachineName}\n{path}\n"), .. File.ReadAllBytes(path)]);
        var hex = Convert.ToHexStringLower(hash);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    private async Task<string> WriteAsync(string name, string content)
    {
        // Written beside and renamed in, as config tools do, so no half-written file is ever read.
        var path = Path.Combine(manifests, name);
        var temp = Path.Combine(manifests, "." + name + ".tmp");
        await File.WriteAllTextAsync(temp, content);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private async Task<IReadOnlyList<JsonObject>> PodsAsync()
    {
        var result = await agent.BerthAsync("ps", "-a", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. JsonNode.Parse(result.Stdout)!.AsArray().Select(p => p!.AsObject())];
    }

    private async Task<IReadOnlyList<JsonObject>> EventsAsync(string pod)
    {
        var result = await agent.BerthAsync("events", pod, "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. JsonNode.Parse(result.Stdout)!.AsArray().Select(e => e!.AsObject())];
    }

    private async Task<JsonObject> InspectAsync(string pod)
    {
        var result = await agent.BerthAsync("inspect", pod);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    private async Task<JsonObject> RunningAsync(string name) =>
        (await UntilAsync(async () => (await PodsAsync()).SingleOrDefault(p => (string?)p["name"] == name && (string?)p["phase"] == "Running"), $"pod {name} running"))!;

    private IReadOnlyList<string> PodCgroups(string uid) =>
        [.. Kernel.CgroupDirectoriesUnder(agent.CgroupRoot + "/kubepods").Where(d => d.Contains(uid, StringComparison.Ordinal) || d.Contains(uid.Replace('-', '_'), StringComparison.Ordinal))];

    private bool RemoveCgroups(string uid)
    {
        foreach (var dir in PodCgroups(uid).OrderByDescending(d => d.Length))
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                return false; // still busy: the caller retries
            }
        }

        return PodCgroups(uid).Count == 0;
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private Task<T?> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : class =>
        UntilAsync(probe, v => v is not null, what);

    private async Task UntilAsync(Func<Task<bool>> probe, string what) =>
        await UntilAsync(probe, v => v, what);

    private async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {Patience.TotalSeconds} s (last seen: {value})\nagent log:\n{await File.ReadAllTextAsync(agent.AgentLog)}");
            await Task.Delay(200);
        }
    }
}
