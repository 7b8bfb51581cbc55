using System.Buffers.Binary;
using System.Text;

namespace Berth.Streaming;

/// <summary>
/// One SPDY/3 frame as read: a control frame (version, type) or a data frame (stream id), its
/// flags and payload. Both ends of Berth's streaming, the server session and the client, read
/// and write frames through here.
/// </summary>
internal readonly record struct SpdyFrame(bool Control, ushort Type, uint StreamId, byte Flags, byte[] Payload)
{
    public const ushort SynStream = 1;
    public const ushort SynReply = 2;
    public const ushort RstStream = 3;
    public const ushort Ping = 6;
    public const ushort GoAway = 7;
    public const ushort Headers = 8;
    public const byte FlagFin = 1;

    public bool Fin => (Flags & FlagFin) != 0;

    /// <summary>The next frame; null at the end of the connection.</summary>
    public static async Task<SpdyFrame?> ReadAsync(Stream transport, CancellationToken ct)
    {
        var header = new byte[8];
        if (await transport.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct) < header.Length)
        {
            return null;
        }

        var payload = new byte[(header[5] << 16) | (header[6] << 8) | header[7]];
        if (await transport.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, ct) < payload.Length)
        {
            return null;
        }

        var control = (header[0] & 0x80) != 0;
        return new SpdyFrame(
            control,
            control ? BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)) : (ushort)0,
            control ? 0 : BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7fffffff,
            header[4],
            payload);
    }

    /// <summary>The stream id at the start of a SYN_STREAM, SYN_REPLY or RST_STREAM payload.</summary>
    public uint PayloadStreamId => BinaryPrimitives.ReadUInt32BigEndian(Payload) & 0x7fffffff;

    /// <summary>A header block: a count, then length-prefixed names and values. Names are lower
    /// case on the wire.</summary>
    public static byte[] EncodeHeaders(IEnumerable<(string Name, string Value)> headers)
    {
        var list = headers.ToList();
        using var block = new MemoryStream();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, list.Count);
        block.Write(number);
        foreach (var (name, value) in list)
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

    public static IReadOnlyDictionary<string, string> DecodeHeaders(ReadOnlySpan<byte> block)
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

/// <summary>Writes whole frames to a connection, one at a time: frames of several streams must not interleave.</summary>
internal sealed class SpdyFrameWriter(Stream transport) : IDisposable
{
    private const ushort Version = 3;
    private const int MaxDataFrame = 32 * 1024;
    private readonly SemaphoreSlim writeLock = new(1, 1);

    public Task WriteControlAsync(ushort type, byte flags, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), type);
        return WriteAsync(header, flags, payload, ct);
    }

    /// <summary>Data in frames of at most 32 KiB; FIN, when asked for, on the last.</summary>
    public async Task WriteDataAsync(uint streamId, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxDataFrame)];
            data = data[chunk.Length..];
            var header = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(header, streamId & 0x7fffffff);
            await WriteAsync(header, fin && data.IsEmpty ? SpdyFrame.FlagFin : (byte)0, chunk, ct);
        }
        while (!data.IsEmpty);
    }

    public void Dispose() => writeLock.Dispose();

    private async Task WriteAsync(byte[] header, byte flags, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        header[4] = flags;
        header[5] = (byte)(payload.Length >> 16);
        header[6] = (byte)(payload.Length >> 8);
        header[7] = (byte)payload.Length;
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
}
