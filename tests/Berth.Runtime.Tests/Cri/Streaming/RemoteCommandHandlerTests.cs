using System.Text.Json.Nodes;
using Berth.Cri.Streaming;
using Berth.Cri.Streaming.RemoteCommand;
using Berth.Runtime.Tests.Fakes;
using Berth.Streaming;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Cri.Streaming;

/// <summary>Exec and attach when the runtime refuses them: what the client reads.</summary>
public sealed class RemoteCommandHandlerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private SpdyPair pair = null!;

    public async Task InitializeAsync() => pair = await SpdyPair.StartAsync();

    public async Task DisposeAsync() => await pair.DisposeAsync();

    [Fact]
    public async Task An_exec_in_a_container_that_is_not_there_ends_with_a_failure_status_and_closed_streams()
    {
        var pods = new FakePodStreams { Refusal = new NotFoundException("container c1 not found") };
        var serving = new ExecHandler(pods, NullLogger<ExecHandler>.Instance)
            .ServeAsync(pair.Session, new ExecStreamRequest("c1", ["true"], Tty: false, Stdin: false, Stdout: true, Stderr: true), CancellationToken.None);

        var error = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error));
        var stdout = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));
        var stderr = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stderr));
        await serving.WaitAsync(Wait);

        var status = JsonNode.Parse(await pair.Client.ReadToEndAsync(error, Wait))!;
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("container c1 not found", (string?)status["message"]);
        Assert.Equal("", await pair.Client.ReadToEndAsync(stdout, Wait));
        Assert.Equal("", await pair.Client.ReadToEndAsync(stderr, Wait));
        Assert.Equal(["c1"], pods.Asked);
    }

    [Fact]
    public async Task An_attach_to_a_container_that_is_not_running_says_so_on_the_error_stream()
    {
        var pods = new FakePodStreams { Refusal = new PreconditionException("container app is not running") };
        var serving = new AttachHandler(pods, NullLogger<AttachHandler>.Instance)
            .ServeAsync(pair.Session, new AttachStreamRequest("c2", Tty: true, Stdin: true, Stdout: true, Stderr: false), CancellationToken.None);

        // With a tty the client opens resize, not stderr.
        var error = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error));
        var stdin = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin));
        var stdout = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));
        var resize = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Resize));
        await serving.WaitAsync(Wait);

        var status = JsonNode.Parse(await pair.Client.ReadToEndAsync(error, Wait))!;
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("cannot attach to container c2: container app is not running", (string?)status["message"]);
        foreach (var id in new[] { stdin, stdout, resize })
        {
            Assert.Equal("", await pair.Client.ReadToEndAsync(id, Wait));
        }
    }
}
