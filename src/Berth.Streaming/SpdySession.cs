using System.Buffers.Binary;
using System.Threading.Channels;

namespace Berth.Streaming;

/// <summary>
/// The server side of one SPDY/3.1 session over an upgraded HTTP/1.1 connection: the framing that
/// Kubernetes' exec, attach and port-forward clients speak (client-go's SPDY round tripper). The
/// client opens every stream; each is answered with SYN_REPLY at once. Flow-control frames are
/// read and ignored, as the Kubernetes peers ignore them too.
/// </summary>
public sealed class SpdySession : IAsyncDisposable
{
    private readonly Stream transport;
    private readonly SpdyFrameWriter writer;
    private readonly ZlibCodec deflater = ZlibCodec.Deflater(SpdyDictionary.Bytes);
    private readonly ZlibCodec inflater = ZlibCodec.Inflater(SpdyDictionary.Bytes);
    private readonly Dictionary<uint, SpdyStream> streams = [];
    private readonly Channel<SpdyStream> opened = Channel.CreateUnbounded<SpdyStream>();
    private Task? reader;

    public SpdySession(Stream transport)
    {
        this.transport = transport;
        writer = new SpdyFrameWriter(transport);
    }

    /// <summary>Streams as the client opens them; completes when the session ends.</summary>
    public ChannelReader<SpdyStream> Opened => opened.Reader;

    /// <summary>Ends when the client goes away or the connection breaks.</summary>
    public Task Completion => reader ?? Task.CompletedTask;

    public void Start() => reader = Task.Run(ReadLoopAsync);

    /// <summary>A GOAWAY, then the connection closed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await writer.WriteControlAsync(SpdyFrame.GoAway, 0, new byte[8], CancellationToken.None); // last good stream 0, status OK
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }

        await transport.DisposeAsync();
        if (reader is not null)
        {
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        deflater.Dispose();
        inflater.Dispose();
        writer.Dispose();
    }

    internal Task WriteDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct) =>
        writer.WriteDataAsync(streamId, data, fin, ct);

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await SpdyFrame.ReadAsync(transport, CancellationToken.None) is { } frame)
            {
                if (!frame.Control)
                {
                    if (Find(frame.StreamId) is { } stream)
                    {
                        if (frame.Payload.Length > 0)
                        {
                            stream.Deliver(frame.Payload);
                        }

                        if (frame.Fin)
                        {
                            stream.RemoteClosed();
                        }
                    }
                }
                else if (!await ControlAsync(frame))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException)
        {
            // The connection broke or spoke nonsense: the session ends.
        }
        finally
        {
            opened.Writer.TryComplete();
            lock (streams)
            {
                foreach (var stream in streams.Values)
                {
                    stream.RemoteClosed();
                }
            }
        }
    }

    /// <returns>False when the session is over (GOAWAY).</returns>
    private async Task<bool> ControlAsync(SpdyFrame frame)
    {
        switch (frame.Type)
        {
            case SpdyFrame.SynStream:
                {
                    var id = frame.PayloadStreamId;
                    var stream = new SpdyStream(this, id, SpdyFrame.DecodeHeaders(inflater.Process(frame.Payload.AsSpan(10))));
                    lock (streams)
                    {
                        streams[id] = stream;
                    }

                    var reply = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(reply, id);
                    await writer.WriteControlAsync(SpdyFrame.SynReply, 0, (byte[])[.. reply, .. deflater.Process(SpdyFrame.EncodeHeaders([]))], CancellationToken.None);
                    if (frame.Fin)
                    {
                        stream.RemoteClosed();
                    }

                    await opened.Writer.WriteAsync(stream);
                    return true;
                }

            case SpdyFrame.SynReply or SpdyFrame.Headers:
                // Every header block goes through the one inflater, in order, to keep its state.
                inflater.Process(frame.Payload.AsSpan(4));
                return true;
            case SpdyFrame.RstStream:
                Find(frame.PayloadStreamId)?.RemoteClosed();
                return true;
            case SpdyFrame.Ping:
                await writer.WriteControlAsync(SpdyFrame.Ping, 0, frame.Payload, CancellationToken.None);
                return true;
            case SpdyFrame.GoAway:
                return false;
            default:
                return true; // SETTINGS, WINDOW_UPDATE, NOOP
        }
    }

    private SpdyStream? Find(uint id)
    {
        lock (streams)
        {
            return streams.GetValueOrDefault(id);
        }
    }
}

/// <summary>One stream of a <see cref="SpdySession"/>: what the client sends, and a way back.</summary>
public sealed class SpdyStream
{
    private readonly SpdySession session;
    private readonly Channel<byte[]> incoming = Channel.CreateUnbounded<byte[]>();
    private int closed;

    internal SpdyStream(SpdySession session, uint id, IReadOnlyDictionary<string, string> headers)
    {
        this.session = session;
        Id = id;
        Headers = headers;
    }

    public uint Id { get; }

    /// <summary>The SYN_STREAM's headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    public string Header(string name) => Headers.GetValueOrDefault(name) ?? "";

    /// <summary>The next data the client sent; null once it closed its side.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken ct)
    {
        try
        {
            return await incoming.Reader.ReadAsync(ct);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct) =>
        Volatile.Read(ref closed) != 0 || data.IsEmpty ? Task.CompletedTask : session.WriteDataAsync(Id, data, fin: false, ct);

    /// <summary>Closes this side (an empty DATA frame with FIN); once only.</summary>
    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref closed, 1) == 0)
        {
            try
            {
                await session.WriteDataAsync(Id, ReadOnlyMemory<byte>.Empty, fin: true, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }
    }

    internal void Deliver(byte[] data) => incoming.Writer.TryWrite(data);

    internal void RemoteClosed() => incoming.Writer.TryComplete();
}
