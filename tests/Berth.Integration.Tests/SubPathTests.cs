using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// subPath is the CVE-2017-1002101 class: a pod's own symlinks must never give a container the
/// host. These run the attack from inside pods and read what the containers and the host's mount
/// table show.
/// </summary>
[Collection("node")]
public class SubPathTests(TestNode node)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A file only the host has, at a path a container sees only if it gets the host's root.</summary>
    private sealed class HostMarker : IDisposable
    {
        public HostMarker()
        {
            Path = $"/tmp/berth-subpath-marker-{Guid.NewGuid():N}";
            File.WriteAllText(Path, Content);
        }

        public string Path { get; }

        public string Content { get; } = $"HOST-ONLY-{Guid.NewGuid():N}";

        public void Dispose() => File.Delete(Path);
    }

    internal static string PodDir(Agent agent, JsonObject inspect) => System.IO.Path.Combine(agent.Root, "pods", (string)inspect["uid"]!);

    internal static IReadOnlyList<string> SubPathMounts(Agent agent) =>
        [.. Kernel.MountPoints().Where(m => m.StartsWith(agent.Root, StringComparison.Ordinal) && m.Contains("/volume-subpaths/", StringComparison.Ordinal))];

    [Fact]
    public async Task A_symlink_to_the_host_root_fails_that_container_and_it_sees_nothing_of_the_host()
    {
        using var marker = new HostMarker();
        var result = await node.Agent.PlayRawAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: subpath-escape }
            spec:
              volumes: [{ name: data, emptyDir: {} }, { name: report, emptyDir: {} }]
              initContainers:
                - name: plant
                  image: busybox
                  command: ["ln", "-s", "/", "/data/link"]
                  volumeMounts: [{ name: data, mountPath: /data }]
              containers:
                - name: reader
                  image: busybox
                  command: ["sh", "-c", "cat /host{{marker.Path}} /host/etc/shadow > /report/seen 2>&1; sleep 3600"]
                  volumeMounts: [{ name: data, mountPath: /host, subPath: link }, { name: report, mountPath: /report }]
            """);
        var pod = new Pod(node.Agent, "subpath-escape");
        await using (pod)
        {
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("CreateContainerConfigError", result.Stdout + result.Stderr);
            var doc = await pod.InspectAsync();
            var reader = doc["containers"]!.AsArray().Single(c => (string?)c!["name"] == "reader")!;
            Assert.Equal("CreateContainerConfigError", (string?)reader["waitingReason"]);
            Assert.Equal(
                "failed to prepare subPath for volumeMount \"data\" of container \"reader\": subPath \"link\" resolves outside of the volume (a symlink leads out of it)",
                (string?)reader["waitingMessage"]);
            Assert.Contains(doc["events"]!.AsArray(), e => (string?)e!["type"] == "Warning" && (string?)e["reason"] == "Failed" && ((string?)e["message"])!.Contains("subPath \"link\"", StringComparison.Ordinal));

            // The reader never ran, so it read nothing; and nothing of the host is mounted for it.
            var report = System.IO.Path.Combine(PodDir(node.Agent, doc), "volumes", "report");
            Assert.Empty(Directory.EnumerateFileSystemEntries(report));
            Assert.DoesNotContain(SubPathMounts(node.Agent), m => m.Contains(PodDir(node.Agent, doc), StringComparison.Ordinal));

            // It stays so on the retries of later syncs.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal("CreateContainerConfigError", (string?)(await pod.ContainerAsync("reader"))["waitingReason"]);
            Assert.Empty(Directory.EnumerateFileSystemEntries(report));
        }
    }

    [Fact]
    public async Task Symlinks_that_stay_inside_work_missing_directories_are_made_and_down_leaves_no_mount()
    {
        await using var pod = await node.Agent.PlayAsync("subpath-inside", """
            apiVersion: v1
            kind: Pod
            metadata: { name: subpath-inside }
            spec:
              volumes: [{ name: data, emptyDir: {} }]
              initContainers:
                - name: plant
                  image: busybox
                  command: ["sh", "-c", "mkdir -p /data/real/sub && echo inside > /data/real/f && ln -s real /data/rel && ln -s sub/../../real /data/real/again"]
                  volumeMounts: [{ name: data, mountPath: /data }]
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  volumeMounts:
                    - { name: data, mountPath: /rel, subPath: rel }
                    - { name: data, mountPath: /again, subPath: real/again }
                    - { name: data, mountPath: /made, subPath: new/deep/dir }
                    - { name: data, mountPath: /file, subPath: rel/f }
            """);
        Assert.Equal("inside\n", await pod.ShAsync("app", "cat /rel/f"));
        Assert.Equal("inside\n", await pod.ShAsync("app", "cat /again/f"));
        Assert.Equal("inside\n", await pod.ShAsync("app", "cat /file"));
        await pod.ShAsync("app", "echo made > /made/x");

        var doc = await pod.InspectAsync();
        var podDir = PodDir(node.Agent, doc);
        Assert.Equal("made\n", await File.ReadAllTextAsync(Path.Combine(podDir, "volumes", "data", "new", "deep", "dir", "x")));

        // One mount per subPath, on Berth's stable targets, which are what runc mounted.
        var targets = SubPathMounts(node.Agent).Where(m => m.StartsWith(podDir + "/", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 4).Select(i => Path.Combine(podDir, "volume-subpaths", "data", "app", i.ToString())), targets);
        var pid = await pod.PidAsync("app");
        var inContainer = await File.ReadAllLinesAsync($"/proc/{pid}/mountinfo");
        Assert.Contains(inContainer, l => l.Split(' ')[4] == "/file" && l.Split(' ')[3].EndsWith("/volumes/data/real/f", StringComparison.Ordinal));

        var down = await node.Agent.BerthAsync("down", "subpath-inside", "--grace-period", "0");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.DoesNotContain(SubPathMounts(node.Agent), m => m.StartsWith(podDir, StringComparison.Ordinal));
        Assert.False(Directory.Exists(podDir));
    }

    [Fact]
    public async Task SubPathExpr_expands_the_container_env_and_dot_dot_after_expansion_is_refused()
    {
        await using var pod = await node.Agent.PlayAsync("subpath-expr", """
            apiVersion: v1
            kind: Pod
            metadata: { name: subpath-expr }
            spec:
              volumes: [{ name: data, emptyDir: {} }]
              containers:
                - name: app
                  image: busybox
                  command: ["sh", "-c", "echo from-$POD_NAME > /logs/out; sleep 3600"]
                  env: [{ name: POD_NAME, value: subpath-expr }, { name: KIND, value: logs }]
                  volumeMounts: [{ name: data, mountPath: /logs, subPathExpr: "$(KIND)/$(POD_NAME)" }]
            """);
        var file = Path.Combine(PodDir(node.Agent, await pod.InspectAsync()), "volumes", "data", "logs", "subpath-expr", "out");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(file)), exists => exists, Patience, "the container writing through its subPathExpr");
        Assert.Equal("from-subpath-expr\n", await File.ReadAllTextAsync(file));

        var refused = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: subpath-expr-up }
            spec:
              volumes: [{ name: data, emptyDir: {} }]
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  env: [{ name: UP, value: ".." }]
                  volumeMounts: [{ name: data, mountPath: /up, subPathExpr: "$(UP)/etc" }]
            """);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"$(UP)/etc\": expands to \"../etc\": must be a relative path without '..'", refused.Stderr);
        Assert.DoesNotContain("subpath-expr-up", (await node.Agent.BerthAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task A_fifo_or_a_socket_named_by_a_subPath_is_mounted_as_one_without_hanging_the_agent()
    {
        var hostDir = Directory.CreateTempSubdirectory("berth-it-subpath-nodes-").FullName;
        try
        {
            await Shell.HostAsync("mkfifo", Path.Combine(hostDir, "fifo"));
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(hostDir, "sock")));
            socket.Listen();

            // Opening a FIFO for anything but O_PATH blocks until a writer comes: play would hang.
            await using var pod = await node.Agent.PlayAsync("subpath-nodes", $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: subpath-nodes }
                spec:
                  volumes: [{ name: host, hostPath: { path: {{hostDir}} } }]
                  containers:
                    - name: app
                      image: busybox
                      command: ["sleep", "3600"]
                      volumeMounts: [{ name: host, mountPath: /run/fifo, subPath: fifo }, { name: host, mountPath: /run/sock, subPath: sock }]
                """).WaitAsync(TimeSpan.FromSeconds(90));

            // The kubelet mounts whatever the subPath names once it is inside the volume: the
            // container gets the FIFO and the socket it could already reach through the volume.
            Assert.Equal("fifo socket\n", await pod.ShAsync("app", "test -p /run/fifo && printf fifo; test -S /run/sock && printf ' socket'; echo"));
            var reading = Task.Run(() => File.ReadAllText(Path.Combine(hostDir, "fifo"))); // open blocks until the writer comes
            await pod.ShAsync("app", "echo through-the-fifo > /run/fifo");
            Assert.Equal("through-the-fifo\n", await reading.WaitAsync(Patience));
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }
}
