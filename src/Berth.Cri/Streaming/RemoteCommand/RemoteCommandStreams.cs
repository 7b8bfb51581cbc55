using System.Threading.Channels;
using Berth.Streaming;

namespace Berth.Cri.Streaming.RemoteCommand;

/// <summary>The streams a remotecommand v4 client opens once upgraded.</summary>
internal static class RemoteCommandStreams
{
    private static readonly TimeSpan StreamWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits until the client opened one stream of each type asked for: error always, then stdin,
    /// stdout, stderr (not with a tty) and resize (only with one). Null when it did not in time
    /// or went away.
    /// </summary>
    public static async Task<Dictionary<string, SpdyStream>?> CollectAsync(SpdySession session, bool stdin, bool stdout, bool stderr, bool tty)
    {
        List<string> expected = [StreamTypes.Error, .. new[] { (StreamTypes.Stdin, stdin), (StreamTypes.Stdout, stdout), (StreamTypes.Stderr, stderr && !tty), (StreamTypes.Resize, tty) }.Where(s => s.Item2).Select(s => s.Item1)];
        var streams = new Dictionary<string, SpdyStream>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(StreamWait);
        try
        {
            while (streams.Count < expected.Count)
            {
                var stream = await session.Opened.ReadAsync(timeout.Token);
                var type = stream.Header(StreamHeaders.StreamType);
                if (expected.Contains(type))
                {
                    streams[type] = stream;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }

        return streams;
    }
}
