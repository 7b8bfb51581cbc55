using Berth.Streaming;

namespace Berth.Cri.Streaming;

/// <summary>Bytes between a client's SPDY streams and what serves them (a process, a pod's port).</summary>
internal static class StreamPumps
{
    private const int BufferSize = 32 * 1024;

    /// <summary>What <paramref name="source"/> yields, to the client; its end closes the stream.</summary>
    public static async Task PumpOutAsync(Stream source, SpdyStream target)
    {
        var buffer = new byte[BufferSize];
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // A terminal reads EIO once its process is gone: that is its end.
        }
        catch (ObjectDisposedException)
        {
        }

        await target.CloseAsync();
    }

    /// <summary>What the client sends, to <paramref name="target"/>; closed at the client's end when asked.</summary>
    public static async Task PumpInAsync(SpdyStream source, Stream target, bool closeAtEnd)
    {
        try
        {
            while (await source.ReadAsync(CancellationToken.None) is { } chunk)
            {
                await target.WriteAsync(chunk);
                await target.FlushAsync();
            }

            if (closeAtEnd)
            {
                target.Close();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process is gone.
        }
    }

    public static async Task CloseAllAsync(IEnumerable<SpdyStream> streams)
    {
        foreach (var stream in streams)
        {
            await stream.CloseAsync();
        }
    }
}
