using System.Net.Sockets;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>hostPath.type is checked against what the host really has, with the kubelet's
/// messages; a mismatch refuses the pod (exit 2) and creates nothing.</summary>
[Collection("node")]
public sealed class HostPathTypeTests(TestNode node) : IDisposable
{
    private readonly string hostDir = Directory.CreateTempSubdirectory("berth-it-hostpath-type-").FullName;

    [Theory]
    [InlineData("Directory", "file", "is not a directory")]
    [InlineData("DirectoryOrCreate", "file", "is not a directory")]
    [InlineData("File", "dir", "is not a file")]
    [InlineData("FileOrCreate", "dir", "is not a file")]
    [InlineData("Socket", "file", "is not a socket file")]
    [InlineData("CharDevice", "dir", "is not a character device")]
    [InlineData("BlockDevice", "/dev/null", "is not a block device")]
    public async Task A_mismatch_refuses_the_pod_naming_the_field(string type, string what, string problem)
    {
        var path = what.StartsWith('/') ? what : Path.Combine(hostDir, what);
        File.WriteAllText(Path.Combine(hostDir, "file"), "x");
        Directory.CreateDirectory(Path.Combine(hostDir, "dir"));

        var result = await PlayAsync("hostpath-mismatch", type, path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"spec.volumes[0].hostPath.type: Invalid value: \"{type}\": hostPath type check failed: {path} {problem}", result.Stderr);
        Assert.DoesNotContain("hostpath-mismatch", (await node.Agent.BerthAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task A_real_socket_and_dev_null_match_Socket_and_CharDevice()
    {
        var socketPath = Path.Combine(hostDir, "agent.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        await using var pod = await node.Agent.PlayAsync("hostpath-types", $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: hostpath-types }
            spec:
              volumes:
                - { name: sock, hostPath: { path: {{socketPath}}, type: Socket } }
                - { name: devnull, hostPath: { path: /dev/null, type: CharDevice } }
                - { name: dir, hostPath: { path: {{hostDir}}, type: Directory } }
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  volumeMounts: [{ name: sock, mountPath: /s }, { name: devnull, mountPath: /n }, { name: dir, mountPath: /d }]
            """);

        Assert.Equal("ok\n", await pod.ShAsync("app", "test -S /s && test -c /n && test -d /d && echo ok"));
    }

    [Fact]
    public async Task OrCreate_types_create_what_is_missing_and_a_missing_parent_refuses()
    {
        var file = Path.Combine(hostDir, "made.conf");
        var dir = Path.Combine(hostDir, "made", "dir");
        await using (var pod = await node.Agent.PlayAsync("hostpath-create", $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: hostpath-create }
            spec:
              volumes:
                - { name: file, hostPath: { path: {{file}}, type: FileOrCreate } }
                - { name: dir, hostPath: { path: {{dir}}, type: DirectoryOrCreate } }
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  volumeMounts: [{ name: file, mountPath: /etc/made.conf }, { name: dir, mountPath: /made }]
            """))
        {
            await pod.ShAsync("app", "echo hello > /etc/made.conf && touch /made/x");
        }

        Assert.Equal("hello\n", await File.ReadAllTextAsync(file));
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(file)); // 0644
        Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(dir)); // 0755
        Assert.True(File.Exists(Path.Combine(dir, "x")));

        var orphan = Path.Combine(hostDir, "no-such-dir", "made.conf");
        var result = await PlayAsync("hostpath-orphan", "FileOrCreate", orphan);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"spec.volumes[0].hostPath.type: Invalid value: \"FileOrCreate\": hostPath type check failed: cannot create {orphan}: directory {Path.GetDirectoryName(orphan)} does not exist", result.Stderr);
        Assert.False(Directory.Exists(Path.GetDirectoryName(orphan)));
    }

    public void Dispose() => Directory.Delete(hostDir, recursive: true);

    private Task<CliResult> PlayAsync(string name, string type, string path) => node.Agent.PlayRawAsync($$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          volumes: [{ name: v, hostPath: { path: "{{path}}", type: {{type}} } }]
          containers: [{ name: app, image: busybox, command: ["sleep", "3600"], volumeMounts: [{ name: v, mountPath: /v }] }]
        """);
}
