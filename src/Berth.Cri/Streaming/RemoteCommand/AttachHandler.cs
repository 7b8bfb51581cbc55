using Berth.Oci;
using Berth.Runtime;
using Berth.Runtime.Streams;
using Berth.Streaming;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Streaming.RemoteCommand;

/// <summary>
/// An attach over remotecommand v4: the client joins the container's own stdio, which its
/// monitor holds. Leaving (or the container ending) closes every stream; the container runs on.
/// </summary>
public sealed class AttachHandler(IPodStreams pods, ILogger<AttachHandler> logger)
{
    /// <param name="ct">The client's connection: attaching stops when it goes.</param>
    public async Task ServeAsync(SpdySession session, AttachStreamRequest request, CancellationToken ct)
    {
        if (await RemoteCommandStreams.CollectAsync(session, request.Stdin, request.Stdout, request.Stderr, request.Tty) is not { } streams)
        {
            logger.LogWarning("attach to {Container}: the client did not open its streams in time", request.ContainerId);
            return;
        }

        ConmonAttach attach;
        try
        {
            attach = await pods.AttachAsync(request.ContainerId, ct);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException or IOException)
        {
            await streams[StreamTypes.Error].WriteAsync(CommandStatus.Failure($"cannot attach to container {request.ContainerId}: {e.Message}"), CancellationToken.None);
            await StreamPumps.CloseAllAsync(streams.Values);
            return;
        }

        using (attach)
        {
            if (streams.TryGetValue(StreamTypes.Stdin, out var stdin))
            {
                _ = PumpInputAsync(stdin, attach);
            }

            if (streams.TryGetValue(StreamTypes.Resize, out var resize))
            {
                _ = TerminalSizeReader.ApplyAsync(resize, new TerminalSizeReader(), (width, height) => attach.Resize(width, height));
            }

            var output = Task.Run(async () =>
            {
                while (await attach.ReceiveAsync(CancellationToken.None) is var (stream, data))
                {
                    if (streams.GetValueOrDefault(stream == AttachedStream.Stderr ? StreamTypes.Stderr : StreamTypes.Stdout) is { } target)
                    {
                        await target.WriteAsync(data, CancellationToken.None);
                    }
                }
            });

            await Task.WhenAny(output, session.Completion);
        }

        await StreamPumps.CloseAllAsync(streams.Values);
    }

    /// <summary>What the client types, to the container; the client's end is end of input.</summary>
    private static async Task PumpInputAsync(SpdyStream source, ConmonAttach attach)
    {
        try
        {
            while (await source.ReadAsync(CancellationToken.None) is { } chunk)
            {
                await attach.SendAsync(chunk, CancellationToken.None);
            }

            attach.CloseInput();
        }
        catch (IOException)
        {
            // The monitor is gone.
        }
    }
}
