using System.Text.RegularExpressions;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

[Collection("node")]
public partial class LogsAndExecTests(TestNode node)
{
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) (P|F) .*$")]
    private static partial Regex CriLine();

    [Fact]
    public async Task Logs_are_written_in_the_cri_format_where_the_kubelet_looks()
    {
        await using var pod = await node.Agent.PlayAsync("logger", """
            apiVersion: v1
            kind: Pod
            metadata: { name: logger, namespace: logs }
            spec:
              restartPolicy: Never
              containers:
                - name: talk
                  image: busybox
                  command: ["sh", "-c", "echo to-stdout; echo to-stderr >&2; printf no-newline"]
            """);
        var doc = await pod.InspectAsync();
        var file = Path.Combine(node.Agent.LogRoot, $"logs_logger_{(string)doc["uid"]!}", "talk", "0.log");
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(CriLine(), l));
        Assert.Contains(lines, l => l.EndsWith(" stdout F to-stdout", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" stderr F to-stderr", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith(" stdout P no-newline", StringComparison.Ordinal));

        var logs = await node.Agent.BerthAsync("logs", "logs/logger");
        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("to-stdout\n", logs.Stdout);
        Assert.Contains("to-stderr\n", logs.Stdout);
        Assert.Contains("no-newline", logs.Stdout);
        Assert.DoesNotContain("no-newline\n", logs.Stdout); // a partial (P) record gets no newline
        Assert.Equal("Succeeded", (string?)doc["phase"]);
        Assert.Equal(0, (int?)doc["containers"]![0]!["exitCode"]);
        Assert.Equal("Completed", (string?)doc["containers"]![0]!["reason"]);
    }

    [Fact]
    public async Task Logs_follow_until_the_container_exits()
    {
        await using var pod = await node.Agent.PlayAsync("follower", """
            apiVersion: v1
            kind: Pod
            metadata: { name: follower }
            spec:
              restartPolicy: Never
              containers:
                - name: ticks
                  image: busybox
                  command: ["sh", "-c", "for i in 1 2 3; do echo tick $i; sleep 0.5; done"]
            """);
        var logs = await node.Agent.BerthAsync("logs", "-f", "follower");
        Assert.Equal("tick 1\ntick 2\ntick 3\n", logs.Stdout);
    }

    [Fact]
    public async Task Exec_passes_stdout_stderr_and_exit_code_through()
    {
        await using var pod = await node.Agent.PlayAsync("execer", """
            apiVersion: v1
            kind: Pod
            metadata: { name: execer }
            spec:
              containers:
                - { name: main, image: busybox, command: ["sleep", "3600"], env: [{ name: GREETING, value: hello }], workingDir: /tmp }
                - { name: other, image: busybox, command: ["sleep", "3600"] }
            """);
        var result = await pod.ExecAsync("main", "sh", "-c", "echo $GREETING from $(pwd); echo oops >&2; exit 7");
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("hello from /tmp\n", result.Stdout);
        Assert.Equal("oops\n", result.Stderr);

        var ambiguous = await node.Agent.BerthAsync("exec", "execer", "--", "true");
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("choose one with -c", ambiguous.Stderr);
        var unknown = await node.Agent.BerthAsync("exec", "no-such-pod", "--", "true");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("not found", unknown.Stderr);

        // -i streams this process's input to the command, through the agent's streaming server.
        var upper = await Shell.RunAsync(["--socket", node.Agent.Socket, "exec", "-i", "execer", "-c", "main", "--", "tr", "a-z", "A-Z"], stdin: "hello berth\n");
        Assert.True(upper.ExitCode == 0, upper.ToString());
        Assert.Equal("HELLO BERTH\n", upper.Stdout);
        var failing = await Shell.RunAsync(["--socket", node.Agent.Socket, "exec", "-i", "execer", "-c", "main", "--", "sh", "-c", "cat >/dev/null; echo oops >&2; exit 7"], stdin: "ignored");
        Assert.Equal(7, failing.ExitCode);
        Assert.Equal("oops\n", failing.Stderr);

        // -it gives the command a terminal of this one's size (script makes the terminal here).
        // runc sizes the container's terminal just after the process starts: hence the sleep.
        var terminal = await Shell.HostAsync("script", "-qec", $"stty cols 91 rows 33; dotnet {Shell.BerthDll} --socket {node.Agent.Socket} exec -it execer -c main -- sh -c 'sleep 1; tty; stty size'", "/dev/null");
        Assert.Contains("/dev/pts/", terminal, StringComparison.Ordinal);
        Assert.Contains("33 91", terminal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_context_reaches_the_process()
    {
        await using var pod = await node.Agent.PlayAsync("secure", """
            apiVersion: v1
            kind: Pod
            metadata: { name: secure }
            spec:
              securityContext: { runAsUser: 1234, runAsGroup: 2345 }
              containers:
                - name: main
                  image: busybox
                  command: ["sleep", "3600"]
                  securityContext:
                    readOnlyRootFilesystem: true
                    allowPrivilegeEscalation: false
                    capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }
            """);
        var pid = await pod.PidAsync("main");
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
        Assert.Contains(status, l => Regex.IsMatch(l, @"^Uid:\s+1234\s"));
        Assert.Contains(status, l => Regex.IsMatch(l, @"^Gid:\s+2345\s"));
        Assert.Contains(status, l => l == "NoNewPrivs:\t1");
        Assert.Contains(status, l => l == "CapEff:\t0000000000000000"); // non-root: effective set empty
        Assert.Contains(status, l => l == "CapBnd:\t0000000000000400"); // only NET_BIND_SERVICE (bit 10)
        var write = await pod.ExecAsync("main", "sh", "-c", "touch /probe");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Stderr);
    }

    [Fact]
    public async Task EmptyDir_is_shared_and_hostPath_is_mounted()
    {
        var hostDir = Directory.CreateTempSubdirectory("berth-it-hostpath-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(hostDir, "from-host"), "hi");
            await using var pod = await node.Agent.PlayAsync("volumes", $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: volumes }
                spec:
                  volumes:
                    - { name: scratch, emptyDir: {} }
                    - { name: host, hostPath: { path: {{hostDir}} } }
                  containers:
                    - name: writer
                      image: busybox
                      command: ["sh", "-c", "echo shared > /data/note; sleep 3600"]
                      volumeMounts: [{ name: scratch, mountPath: /data }]
                    - name: reader
                      image: busybox
                      command: ["sleep", "3600"]
                      volumeMounts: [{ name: scratch, mountPath: /in }, { name: host, mountPath: /host, readOnly: true }]
                """);
            string note = "";
            for (var i = 0; i < 50 && note.Length == 0; i++)
            {
                note = (await pod.ExecAsync("reader", "cat", "/in/note")).Stdout;
                await Task.Delay(100);
            }

            Assert.Equal("shared\n", note);
            Assert.Equal("hi", await pod.ShAsync("reader", "cat /host/from-host"));
            Assert.NotEqual(0, (await pod.ExecAsync("reader", "touch", "/host/x")).ExitCode);
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }
}
