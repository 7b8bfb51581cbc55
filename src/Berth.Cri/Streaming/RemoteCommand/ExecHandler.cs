using Berth.Linux;
using Berth.Oci;
using Berth.Runtime;
using Berth.Runtime.Streams;
using Berth.Streaming;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Streaming.RemoteCommand;

/// <summary>
/// An exec over remotecommand v4: a new process in the container whose stdin, stdout, stderr
/// and terminal size are the client's streams; its exit code ends the error stream.
/// </summary>
public sealed class ExecHandler(IPodStreams pods, ILogger<ExecHandler> logger)
{
    /// <summary>How long an exec with a tty waits for the client's first terminal size.</summary>
    private static readonly TimeSpan FirstSizeWait = TimeSpan.FromSeconds(2);

    /// <summary>How long output the process wrote before it ended may take to go out.</summary>
    private static readonly TimeSpan OutputWait = TimeSpan.FromSeconds(2);

    /// <param name="ct">The client's connection: starting the process stops when it goes.</param>
    public async Task ServeAsync(SpdySession session, ExecStreamRequest request, CancellationToken ct)
    {
        if (await RemoteCommandStreams.CollectAsync(session, request.Stdin, request.Stdout, request.Stderr, request.Tty) is not { } streams)
        {
            logger.LogWarning("exec in {Container}: the client did not open its streams in time", request.ContainerId);
            return;
        }

        var error = streams[StreamTypes.Error];
        var sizes = new TerminalSizeReader();
        var resize = streams.GetValueOrDefault(StreamTypes.Resize);
        var initial = resize is null ? null : await FirstSizeAsync(resize, sizes);

        ExecSession exec;
        try
        {
            exec = await pods.ExecAsync(request.ContainerId, request.Command, request.Tty, request.Stdin, initial, ct);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException or CommandException or IOException)
        {
            await error.WriteAsync(CommandStatus.Failure(e.Message), CancellationToken.None);
            await StreamPumps.CloseAllAsync(streams.Values);
            return;
        }

        await using (exec)
        {
            var pumps = new List<Task>();
            if (streams.TryGetValue(StreamTypes.Stdout, out var stdout))
            {
                pumps.Add(StreamPumps.PumpOutAsync(exec.Stdout, stdout));
            }

            if (streams.TryGetValue(StreamTypes.Stderr, out var stderr) && exec.Stderr is { } stderrPipe)
            {
                pumps.Add(StreamPumps.PumpOutAsync(stderrPipe, stderr));
            }

            if (streams.TryGetValue(StreamTypes.Stdin, out var stdin) && exec.Stdin is { } input)
            {
                _ = StreamPumps.PumpInAsync(stdin, input, closeAtEnd: !exec.Tty);
            }

            if (resize is not null)
            {
                _ = TerminalSizeReader.ApplyAsync(resize, sizes, exec.Resize);
            }

            // A client that goes away ends its command too (disposing the session kills it).
            if (await Task.WhenAny(exec.Exited, session.Completion) != exec.Exited)
            {
                logger.LogInformation("exec in {Container}: the client went away; killing the command", request.ContainerId);
                return;
            }

            var code = await exec.Exited;

            // What the process wrote before it ended still goes out; a terminal held open by a
            // leftover child does not hold the answer.
            await Task.WhenAny(Task.WhenAll(pumps), Task.Delay(OutputWait));
            await error.WriteAsync(code == 0 ? CommandStatus.Success() : CommandStatus.NonZeroExit(code), CancellationToken.None);
            await StreamPumps.CloseAllAsync(streams.Values);
        }
    }

    /// <summary>
    /// kubectl sends the terminal's size right after opening the streams: a moment's wait for it
    /// lets the command start with its real size rather than 0×0.
    /// </summary>
    private static async Task<(ushort Columns, ushort Rows)?> FirstSizeAsync(SpdyStream resize, TerminalSizeReader sizes)
    {
        (ushort Columns, ushort Rows)? initial = null;
        using var wait = new CancellationTokenSource(FirstSizeWait);
        try
        {
            while (initial is null && await resize.ReadAsync(wait.Token) is { } chunk)
            {
                initial = sizes.Add(chunk).Select(s => ((ushort, ushort)?)s).LastOrDefault();
            }
        }
        catch (OperationCanceledException)
        {
        }

        return initial;
    }
}
