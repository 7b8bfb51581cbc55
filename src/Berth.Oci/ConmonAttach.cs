using System.Net.Sockets;
using Berth.Linux;

namespace Berth.Oci;

/// <summary>Which of the container's outputs a piece of attached output came from.</summary>
public enum AttachedStream
{
    Stdout,
    Stderr,
}

/// <summary>
/// One client attached to a running container's own stdio through its conmon: the attach socket
/// conmon makes under its socket directory (SEQPACKET), and the ctl FIFO in the bundle for
/// terminal sizes. conmon sends output as messages whose first byte names the stream (2 stdout,
/// 3 stderr) and takes input as it comes; shutting down the sending side is end of input.
/// Leaving closes the socket; the container runs on.
/// </summary>
public sealed class ConmonAttach : IDisposable
{
    private const byte StderrMessage = 3;
    private const int MaxMessage = 8192;

    private readonly Socket socket;
    private readonly string bundle;
    private readonly byte[] buffer = new byte[MaxMessage + 1];

    private ConmonAttach(Socket socket, string bundle)
    {
        this.socket = socket;
        this.bundle = bundle;
    }

    /// <exception cref="IOException">No conmon listens on the socket (the container has exited).</exception>
    public static async Task<ConmonAttach> ConnectAsync(string attachSocket, string bundle, CancellationToken ct)
    {
        try
        {
            return new ConmonAttach(await UnixSockets.ConnectAsync(attachSocket, SocketType.Seqpacket, ct), bundle);
        }
        catch (SocketException e)
        {
            throw new IOException($"connect {attachSocket}: {e.Message}", e);
        }
    }

    /// <summary>Input for the container's stdin.</summary>
    /// <exception cref="IOException">conmon is gone.</exception>
    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            await socket.SendAsync(data, SocketFlags.None, ct);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new IOException($"attach input: {e.Message}", e);
        }
    }

    /// <summary>End of input: the container reads end of file (when conmon was told to pass it on).</summary>
    public void CloseInput()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // conmon is gone: there is no input left to close.
        }
    }

    /// <summary>The next piece of output; null once conmon closed the socket (the container ended)
    /// or the client left. The data is valid until the next call.</summary>
    public async Task<(AttachedStream Stream, ReadOnlyMemory<byte> Data)?> ReceiveAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (n <= 0)
                {
                    return null;
                }

                if (n > 1)
                {
                    return (buffer[0] == StderrMessage ? AttachedStream.Stderr : AttachedStream.Stdout, buffer.AsMemory(1, n - 1));
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <inheritdoc cref="Conmon.RequestResize"/>
    public bool Resize(ushort columns, ushort rows) => Conmon.RequestResize(bundle, columns, rows);

    public void Dispose() => socket.Dispose();
}
