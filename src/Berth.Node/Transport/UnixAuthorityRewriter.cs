using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Berth.Node.Transport;

/// <summary>
/// Lets gRPC clients that name a unix socket by its path talk to Kestrel. grpc-go (critest,
/// crictl before cri-tools fixed their dialer) sends the socket path as HTTP/2 <c>:authority</c>,
/// and Kestrel rejects a Host with a '/' in it (dotnet/aspnetcore#47043, no option to relax it).
/// The kubelet sends "localhost" since 1.26 (kubernetes#112597); this does the same for the others.
///
/// It sits between the socket and Kestrel, passes every HTTP/2 frame through, and in client
/// HEADERS frames rewrites a literal <c>:authority</c> (static name index 1) whose value is not a
/// plain host into "localhost". Safe for HPACK's dynamic table: the new value is never longer
/// than the old one, so the server's table only ever holds entries the client's also holds, and
/// indices, which count from the newest entry, agree on both sides.
/// </summary>
public static class UnixAuthorityRewriter
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private static readonly byte[] Localhost = "localhost"u8.ToArray();
    private const byte FrameHeaders = 0x1;
    private const byte FlagEndHeaders = 0x4;
    private const byte FlagPadded = 0x8;
    private const byte FlagPriority = 0x20;

    /// <summary>Kestrel connection middleware: <c>listenOptions.Use(UnixAuthorityRewriter.Middleware)</c>.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var original = connection.Transport;
        var rewritten = new Pipe();
        connection.Transport = new DuplexPipe(rewritten.Reader, original.Output);
        var pump = PumpAsync(original.Input, rewritten.Writer, connection.ConnectionClosed);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = original;
            await pump;
        }
    };

    private static async Task PumpAsync(PipeReader input, PipeWriter output, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            if (!await CopyExactlyAsync(input, output, Preface.Length, ct))
            {
                return;
            }

            while (true)
            {
                var header = await ReadExactlyAsync(input, 9, ct);
                if (header is null)
                {
                    return;
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var payload = await ReadExactlyAsync(input, length, ct);
                if (payload is null)
                {
                    return;
                }

                if (header[3] == FrameHeaders && (header[4] & FlagEndHeaders) != 0 && Rewrite(payload, header[4]) is { } changed)
                {
                    header[0] = (byte)(changed.Length >> 16);
                    header[1] = (byte)(changed.Length >> 8);
                    header[2] = (byte)changed.Length;
                    payload = changed;
                }

                await output.WriteAsync(header, ct);
                await output.WriteAsync(payload, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // the connection closed
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync(error);
        }
    }

    /// <summary>The HEADERS payload with its :authority replaced, or null when nothing changes.</summary>
    internal static byte[]? Rewrite(byte[] payload, byte flags)
    {
        var start = 0;
        var padding = 0;
        if ((flags & FlagPadded) != 0)
        {
            padding = payload[0];
            start = 1;
        }

        if ((flags & FlagPriority) != 0)
        {
            start += 5;
        }

        var end = payload.Length - padding;
        if (start > end)
        {
            return null;
        }

        var block = new List<byte>(payload.Length);
        block.AddRange(payload.AsSpan(0, start).ToArray());
        var changed = false;
        var i = start;
        while (i < end)
        {
            var first = payload[i];
            int prefixBits;
            if ((first & 0x80) != 0)
            {
                prefixBits = 7; // indexed field
                var at = i;
                ReadInteger(payload, ref i, prefixBits);
                block.AddRange(payload.AsSpan(at, i - at).ToArray());
                continue;
            }

            if ((first & 0xE0) == 0x20)
            {
                var at = i; // dynamic table size update
                ReadInteger(payload, ref i, 5);
                block.AddRange(payload.AsSpan(at, i - at).ToArray());
                continue;
            }

            prefixBits = (first & 0xC0) == 0x40 ? 6 : 4; // literal with / without / never indexing
            var nameStart = i;
            var nameIndex = ReadInteger(payload, ref i, prefixBits);
            if (nameIndex == 0)
            {
                SkipString(payload, ref i);
            }

            var nameEnd = i;
            var valueStart = i;
            var huffman = (payload[i] & 0x80) != 0;
            var valueLength = ReadInteger(payload, ref i, 7);
            var value = payload.AsSpan(i, valueLength);
            i += valueLength;
            block.AddRange(payload.AsSpan(nameStart, nameEnd - nameStart).ToArray());

            // Huffman codes of the characters a path is made of are at most 8 bits long, so an
            // encoded length of 9 or more decodes to at least 9 characters: "localhost" is no longer.
            var isAuthority = nameIndex == 1;
            var rewrite = isAuthority && valueLength >= Localhost.Length && (huffman || value.Contains((byte)'/') || value.Contains((byte)'%'));
            if (rewrite && !(!huffman && value.SequenceEqual(Localhost)))
            {
                block.Add((byte)Localhost.Length);
                block.AddRange(Localhost);
                changed = true;
            }
            else
            {
                block.AddRange(payload.AsSpan(valueStart, i - valueStart).ToArray());
            }
        }

        if (!changed)
        {
            return null;
        }

        block.AddRange(payload.AsSpan(end, padding).ToArray());
        return [.. block];
    }

    private static int ReadInteger(byte[] data, ref int i, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = data[i++] & mask;
        if (value < mask)
        {
            return value;
        }

        var shift = 0;
        byte b;
        do
        {
            b = data[i++];
            value += (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        return value;
    }

    private static void SkipString(byte[] data, ref int i)
    {
        var length = ReadInteger(data, ref i, 7);
        i += length;
    }

    private static async Task<bool> CopyExactlyAsync(PipeReader input, PipeWriter output, int count, CancellationToken ct)
    {
        var bytes = await ReadExactlyAsync(input, count, ct);
        if (bytes is null)
        {
            return false;
        }

        await output.WriteAsync(bytes, ct);
        return true;
    }

    private static async Task<byte[]?> ReadExactlyAsync(PipeReader input, int count, CancellationToken ct)
    {
        // An empty frame (a DATA frame that only carries END_STREAM) has nothing to wait for:
        // waiting would hold it back until the client sends more, which it never does.
        if (count == 0)
        {
            return [];
        }

        while (true)
        {
            var result = await input.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length >= count)
            {
                var bytes = buffer.Slice(0, count).ToArray();
                input.AdvanceTo(buffer.GetPosition(count));
                return bytes;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
