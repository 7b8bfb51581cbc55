using System.Text;
using System.Text.Json.Nodes;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Berth.Streaming;

namespace Berth.Integration.Tests;

/// <summary>Exec and port-forward through the streaming server, spoken to as kubectl would.</summary>
[Collection("cri")]
public class CriStreamingTests(CriNode node)
{
    private const string RemoteCommand = "v4.channel.k8s.io";

    [Fact]
    public async Task Exec_streams_stdout_and_stderr_apart_and_ends_with_the_exit_status()
    {
        await using var pod = await node.RunPodAsync("exec-stream");
        var id = await pod.StartSleeperAsync("app");
        var url = (await node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "echo out; echo err >&2; exit 3" }, Stdout = true, Stderr = true })).Url;
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);

        await using var client = await SpdyClient.ConnectAsync(url, RemoteCommand);
        Assert.True(client.Upgraded, client.Response);
        Assert.Contains("X-Stream-Protocol-Version: v4.channel.k8s.io", client.Response, StringComparison.OrdinalIgnoreCase);
        var error = await client.OpenAsync(("streamtype", "error"));
        var stdout = await client.OpenAsync(("streamtype", "stdout"));
        var stderr = await client.OpenAsync(("streamtype", "stderr"));

        Assert.Equal("out\n", await client.ReadToEndAsync(stdout));
        Assert.Equal("err\n", await client.ReadToEndAsync(stderr));
        var status = JsonNode.Parse(await client.ReadToEndAsync(error))!;
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("NonZeroExitCode", (string?)status["reason"]);
        Assert.Equal("3", (string?)status["details"]!["causes"]![0]!["message"]);

        // The URL was good for one use.
        await using var again = await SpdyClient.ConnectAsync(url, RemoteCommand);
        Assert.StartsWith("HTTP/1.1 404", again.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_feeds_stdin_until_the_client_closes_it_and_refuses_an_unknown_protocol()
    {
        await using var pod = await node.RunPodAsync("exec-stdin");
        var id = await pod.StartSleeperAsync("app");
        var url = (await node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "tr a-z A-Z" }, Stdin = true, Stdout = true })).Url;
        await using var client = await SpdyClient.ConnectAsync(url, RemoteCommand);
        var error = await client.OpenAsync(("streamtype", "error"));
        var stdin = await client.OpenAsync(("streamtype", "stdin"));
        var stdout = await client.OpenAsync(("streamtype", "stdout"));
        await client.SendAsync(stdin, Encoding.UTF8.GetBytes("hello "));
        await client.SendAsync(stdin, Encoding.UTF8.GetBytes("berth\n"), fin: true);

        Assert.Equal("HELLO BERTH\n", await client.ReadToEndAsync(stdout));
        Assert.Equal("Success", (string?)JsonNode.Parse(await client.ReadToEndAsync(error))!["status"]);

        var old = (await node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "true" }, Stdout = true })).Url;
        await using var refused = await SpdyClient.ConnectAsync(old, "channel.k8s.io");
        Assert.StartsWith("HTTP/1.1 403", refused.Response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_with_a_tty_gets_a_terminal_of_the_size_the_client_sends()
    {
        await using var pod = await node.RunPodAsync("exec-tty");
        var id = await pod.StartSleeperAsync("app");
        var url = (await node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh", "-c", "read go; tty; stty size" }, Stdin = true, Stdout = true, Tty = true })).Url;
        await using var client = await SpdyClient.ConnectAsync(url, RemoteCommand);
        var error = await client.OpenAsync(("streamtype", "error"));
        var stdin = await client.OpenAsync(("streamtype", "stdin"));
        var stdout = await client.OpenAsync(("streamtype", "stdout"));
        var resize = await client.OpenAsync(("streamtype", "resize"));
        await client.SendAsync(resize, Encoding.UTF8.GetBytes("""{"Width":91,"Height":33}"""));
        await Task.Delay(1000);
        await client.SendAsync(stdin, Encoding.UTF8.GetBytes("go\r"));

        var output = await client.ReadToEndAsync(stdout);
        Assert.Contains("/dev/pts/", output, StringComparison.Ordinal);
        Assert.Contains("33 91", output, StringComparison.Ordinal);
        Assert.Contains("\r\n", output, StringComparison.Ordinal); // a terminal's line ending
        Assert.Equal("Success", (string?)JsonNode.Parse(await client.ReadToEndAsync(error))!["status"]);
    }

    [Fact]
    public async Task Exec_of_a_client_that_goes_away_is_killed()
    {
        await using var pod = await node.RunPodAsync("exec-gone");
        var id = await pod.StartSleeperAsync("app");
        var url = (await node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sleep", "4242" }, Stdout = true })).Url;
        await using (var client = await SpdyClient.ConnectAsync(url, RemoteCommand))
        {
            await client.OpenAsync(("streamtype", "error"));
            await client.OpenAsync(("streamtype", "stdout"));
            await Eventually.UntilAsync(() => node.ShAsync(id, "ps -o args"), ps => ps.Contains("sleep 4242", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the command running");
        }

        await Eventually.UntilAsync(() => node.ShAsync(id, "ps -o args"), ps => !ps.Contains("sleep 4242", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the command killed");
    }

    [Fact]
    public async Task Port_forward_reaches_a_port_on_the_pods_own_loopback()
    {
        await using var pod = await node.RunPodAsync("port-forward");
        var id = await pod.StartAsync(CriNode.Container("web", "sh", "-c", "mkdir -p /www && echo forwarded > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"));
        await Eventually.UntilAsync(() => node.ExecAsync(id, "wget", "-qO-", "http://127.0.0.1:8080/"), r => r.ExitCode == 0, TimeSpan.FromSeconds(10), "httpd listening");
        var url = (await node.Runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod.Id, Port = { 8080 } })).Url;

        await using var client = await SpdyClient.ConnectAsync(url, "portforward.k8s.io");
        Assert.True(client.Upgraded, client.Response);
        var error = await client.OpenAsync(("streamtype", "error"), ("port", "8080"), ("requestid", "0"));
        var data = await client.OpenAsync(("streamtype", "data"), ("port", "8080"), ("requestid", "0"));
        await client.SendAsync(data, Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"), fin: true);
        var response = await client.ReadToEndAsync(data);
        Assert.StartsWith("HTTP/1.", response, StringComparison.Ordinal);
        Assert.EndsWith("forwarded\n", response, StringComparison.Ordinal);
        Assert.Equal("", await client.ReadToEndAsync(error));

        // A closed port is reported on the error stream of its connection.
        var error2 = await client.OpenAsync(("streamtype", "error"), ("port", "8081"), ("requestid", "1"));
        var data2 = await client.OpenAsync(("streamtype", "data"), ("port", "8081"), ("requestid", "1"));
        Assert.Contains("8081", await client.ReadToEndAsync(error2), StringComparison.Ordinal);
        await client.ReadToEndAsync(data2);
    }

    [Fact]
    public async Task Attach_joins_the_containers_own_stdio_and_closing_input_ends_a_stdin_once_shell()
    {
        await using var pod = await node.RunPodAsync("attach");
        var shell = CriNode.Container("shell", "sh");
        shell.Stdin = true;
        shell.StdinOnce = true;
        var id = await pod.StartAsync(shell);
        var url = (await node.Runtime.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true, Stderr = true })).Url;

        await using var client = await SpdyClient.ConnectAsync(url, RemoteCommand);
        var error = await client.OpenAsync(("streamtype", "error"));
        var stdin = await client.OpenAsync(("streamtype", "stdin"));
        var stdout = await client.OpenAsync(("streamtype", "stdout"));
        var stderr = await client.OpenAsync(("streamtype", "stderr"));
        await client.SendAsync(stdin, Encoding.UTF8.GetBytes("echo hello; echo oops >&2\n"), fin: true);

        Assert.Equal("hello\n", await client.ReadToEndAsync(stdout));
        Assert.Equal("oops\n", await client.ReadToEndAsync(stderr));
        Assert.Equal("", await client.ReadToEndAsync(error));
        var exited = await node.ExitedAsync(id);
        Assert.Equal(0, exited.ExitCode);
        Assert.Contains("hello", await File.ReadAllTextAsync(Path.Combine(pod.Config.LogDirectory, exited.LogPath)), StringComparison.Ordinal);

        // Removing the container removes conmon's link to its attach socket too.
        var link = Path.Combine(node.Agent.RunRoot, "attach", id);
        Assert.True(File.Exists(link) || Directory.Exists(link));
        await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
        Assert.False(File.Exists(link) || Directory.Exists(link));

        // Input goes only to a container made with stdin.
        var sleeper = await pod.StartSleeperAsync("no-stdin");
        var refused = await CriNode.FailsAsync(() => node.Runtime.AttachAsync(new AttachRequest { ContainerId = sleeper, Stdin = true, Stdout = true }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);
    }

    [Fact]
    public async Task Attach_to_a_container_with_a_tty_resizes_its_terminal()
    {
        await using var pod = await node.RunPodAsync("attach-tty");
        var shell = CriNode.Container("tty", "sh");
        shell.Stdin = true;
        shell.Tty = true;
        var id = await pod.StartAsync(shell);
        var url = (await node.Runtime.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true, Tty = true })).Url;

        await using var client = await SpdyClient.ConnectAsync(url, RemoteCommand);
        await client.OpenAsync(("streamtype", "error"));
        var stdin = await client.OpenAsync(("streamtype", "stdin"));
        var stdout = await client.OpenAsync(("streamtype", "stdout"));
        var resize = await client.OpenAsync(("streamtype", "resize"));
        await client.SendAsync(resize, Encoding.UTF8.GetBytes("""{"Width":77,"Height":22}"""));
        await Task.Delay(1000);
        await client.SendAsync(stdin, Encoding.UTF8.GetBytes("tty; stty size; exit\r"));

        var output = await client.ReadToEndAsync(stdout);
        Assert.Contains("/dev/pts/", output, StringComparison.Ordinal);
        Assert.Contains("22 77", output, StringComparison.Ordinal);
    }
}
