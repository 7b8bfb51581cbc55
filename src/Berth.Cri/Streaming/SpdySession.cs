using System.Buffers.Binary;
using System.Text;
using System.Threading.Channels;
using Berth.Linux;

namespace Berth.Cri.Streaming;

/// <summary>
/// The server side of one SPDY/3.1 session over an upgraded HTTP/1.1 connection: the framing that
/// Kubernetes' exec, attach and port-forward clients speak (client-go's SPDY round tripper). The
/// client opens every stream; each is answered with SYN_REPLY at once. Flow-control frames are
/// read and ignored, as the Kubernetes peers ignore them too.
/// </summary>
public sealed class SpdySession : IAsyncDisposable
{
    private const ushort Version = 3;
    private const ushort SynStream = 1;
    private const ushort SynReply = 2;
    private const ushort RstStream = 3;
    private const ushort Ping = 6;
    private const ushort GoAway = 7;
    private const ushort Headers = 8;
    private const byte FlagFin = 1;
    private const int MaxDataFrame = 32 * 1024;

    private readonly Stream transport;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly ZlibCodec deflater = ZlibCodec.Deflater(SpdyDictionary.Bytes);
    private readonly ZlibCodec inflater = ZlibCodec.Inflater(SpdyDictionary.Bytes);
    private readonly Dictionary<uint, SpdyStream> streams = [];
    private readonly Channel<SpdyStream> opened = Channel.CreateUnbounded<SpdyStream>();
    private Task? reader;

    public SpdySession(Stream transport)
    {
        this.transport = transport;
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
            var frame = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(frame, 0);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), 0);
            await WriteControlAsync(GoAway, 0, frame, CancellationToken.None);
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
        writeLock.Dispose();
    }

    internal async Task WriteDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxDataFrame)];
            data = data[chunk.Length..];
            var header = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(header, streamId & 0x7fffffff);
            header[4] = fin && data.IsEmpty ? FlagFin : (byte)0;
            header[5] = (byte)(chunk.Length >> 16);
            header[6] = (byte)(chunk.Length >> 8);
            header[7] = (byte)chunk.Length;
            await WriteFrameAsync(header, chunk, ct);
        }
        while (!data.IsEmpty);
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[8];
        try
        {
            while (await ReadExactlyAsync(header))
            {
                var length = (header[5] << 16) | (header[6] << 8) | header[7];
                var payload = new byte[length];
                if (!await ReadExactlyAsync(payload))
                {
                    break;
                }

                var flags = header[4];
                if ((header[0] & 0x80) == 0)
                {
                    var id = BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7fffffff;
                    if (Find(id) is { } stream)
                    {
                        if (payload.Length > 0)
                        {
                            stream.Deliver(payload);
                        }

                        if ((flags & FlagFin) != 0)
                        {
                            stream.RemoteClosed();
                        }
                    }

                    continue;
                }

                var type = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                if (!await ControlAsync(type, flags, payload))
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
    private async Task<bool> ControlAsync(ushort type, byte flags, byte[] payload)
    {
        switch (type)
        {
            case SynStream:
                {
                    var id = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff;
                    var headers = DecodeHeaders(inflater.Process(payload.AsSpan(10)));
                    var stream = new SpdyStream(this, id, headers);
                    lock (streams)
                    {
                        streams[id] = stream;
                    }

                    var reply = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(reply, id);
                    await WriteControlAsync(SynReply, 0, [.. reply, .. deflater.Process(EncodeHeaders(new Dictionary<string, string>()))], CancellationToken.None);
                    if ((flags & FlagFin) != 0)
                    {
                        stream.RemoteClosed();
                    }

                    await opened.Writer.WriteAsync(stream);
                    return true;
                }

            case SynReply or Headers:
                // Every header block goes through the one inflater, in order, to keep its state.
                inflater.Process(payload.AsSpan(4));
                return true;
            case RstStream:
                Find(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fffffff)?.RemoteClosed();
                return true;
            case Ping:
                await WriteControlAsync(Ping, 0, payload, CancellationToken.None);
                return true;
            case GoAway:
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

    private async Task WriteControlAsync(ushort type, byte flags, byte[] payload, CancellationToken ct)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), type);
        header[4] = flags;
        header[5] = (byte)(payload.Length >> 16);
        header[6] = (byte)(payload.Length >> 8);
        header[7] = (byte)payload.Length;
        await WriteFrameAsync(header, payload, ct);
    }

    /// <summary>One frame, whole: frames of several streams must not interleave.</summary>
    private async Task WriteFrameAsync(byte[] header, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        await writeLock.WaitAsync(ct);
        try
        {
            await transport.WriteAsync(header, ct);
            await transport.WriteAsync(payload, ct);
            await transport.FlushAsync(ct);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await transport.ReadAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    /// <summary>A header block: a count, then length-prefixed names and values (several values of
    /// one name joined by NUL). Names are lower case on the wire.</summary>
    internal static byte[] EncodeHeaders(IReadOnlyDictionary<string, string> headers)
    {
        using var block = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, headers.Count);
        block.Write(number);
        foreach (var (name, value) in headers)
        {
            foreach (var text in new[] { name.ToLowerInvariant(), value })
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteInt32BigEndian(number, bytes.Length);
                block.Write(number);
                block.Write(bytes);
            }
        }

        return block.ToArray();
    }

    internal static IReadOnlyDictionary<string, string> DecodeHeaders(ReadOnlySpan<byte> block)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var count = BinaryPrimitives.ReadInt32BigEndian(block);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(block[at..]);
            var name = Encoding.UTF8.GetString(block.Slice(at + 4, nameLength));
            at += 4 + nameLength;
            var valueLength = BinaryPrimitives.ReadInt32BigEndian(block[at..]);
            headers[name] = Encoding.UTF8.GetString(block.Slice(at + 4, valueLength));
            at += 4 + valueLength;
        }

        return headers;
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
