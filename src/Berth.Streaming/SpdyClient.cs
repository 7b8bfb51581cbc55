using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Berth.Streaming;

/// <summary>
/// The client side of a Kubernetes streaming URL, as kubectl's: an HTTP/1.1 upgrade to SPDY/3.1,
/// then streams opened with SYN_STREAM (headers compressed with the SPDY dictionary) and data
/// frames. `berth exec -it` uses it, and so do the tests of the streaming server.
/// </summary>
public sealed class SpdyClient : IAsyncDisposable
{
    private readonly IDisposable? connection;
    private readonly Stream net;
    private readonly ZlibCodec deflater = ZlibCodec.Deflater(SpdyDictionary.Bytes);
    private readonly ZlibCodec inflater = ZlibCodec.Inflater(SpdyDictionary.Bytes);
    private readonly SpdyFrameWriter writer;
    private readonly ConcurrentDictionary<uint, Inbox> inboxes = new();
    private uint nextId = 1;
    private Task? reader;

    private SpdyClient(Stream net, IDisposable? connection)
    {
        this.connection = connection;
        this.net = net;
        writer = new SpdyFrameWriter(net);
    }

    /// <summary>The server's answer to the upgrade (status line and headers).</summary>
    public string Response { get; private set; } = "";

    /// <summary>Connects and asks for the upgrade; the client is returned even when the server
    /// refuses it (then <see cref="Upgraded"/> is false and <see cref="Response"/> says why).</summary>
    public static async Task<SpdyClient> ConnectAsync(string url, string protocol)
    {
        var uri = new Uri(url);
        var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var client = new SpdyClient(tcp.GetStream(), tcp);
        var request = $"POST {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n{StreamProtocols.VersionHeader}: {protocol}\r\nContent-Length: 0\r\n\r\n";
        await client.net.WriteAsync(Encoding.ASCII.GetBytes(request));

        // Headers end with an empty line; read byte by byte so that no frame is consumed.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await client.net.ReadAsync(one) == 1)
        {
            head.Append((char)one[0]);
        }

        client.Response = head.ToString();
        if (client.Upgraded)
        {
            client.reader = Task.Run(client.ReadLoopAsync);
        }

        return client;
    }

    /// <summary>A client over a connection that already speaks SPDY (the upgrade done, or never
    /// needed): what tests of a server session use.</summary>
    public static SpdyClient Start(Stream transport)
    {
        var client = new SpdyClient(transport, transport) { Response = "HTTP/1.1 101 Switching Protocols\r\n\r\n" };
        client.reader = Task.Run(client.ReadLoopAsync);
        return client;
    }

    public bool Upgraded => Response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal);

    /// <summary>Opens a stream and waits for the server's SYN_REPLY.</summary>
    public async Task<uint> OpenAsync(params (string Name, string Value)[] headers)
    {
        var id = nextId;
        nextId += 2;
        var inbox = inboxes.GetOrAdd(id, _ => new Inbox());
        var payload = new byte[10]; // stream id, associated stream id, priority, slot
        BinaryPrimitives.WriteUInt32BigEndian(payload, id);
        await writer.WriteControlAsync(SpdyFrame.SynStream, 0, (byte[])[.. payload, .. deflater.Process(SpdyFrame.EncodeHeaders(headers))], CancellationToken.None);
        await inbox.Replied.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return id;
    }

    public Task SendAsync(uint id, byte[] data, bool fin = false) => writer.WriteDataAsync(id, data, fin, CancellationToken.None);

    /// <summary>The next data the server sent on a stream; null once it closed it.</summary>
    public async Task<byte[]?> ReadAsync(uint id, CancellationToken ct)
    {
        var inbox = inboxes.GetOrAdd(id, _ => new Inbox());
        return await inbox.Chunks.Reader.WaitToReadAsync(ct) && inbox.Chunks.Reader.TryRead(out var chunk) ? chunk : null;
    }

    /// <summary>Everything the server sends on a stream until it closes it.</summary>
    public async Task<string> ReadToEndAsync(uint id, TimeSpan? timeout = null)
    {
        var inbox = inboxes.GetOrAdd(id, _ => new Inbox());
        await inbox.Closed.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        lock (inbox.Data)
        {
            return Encoding.UTF8.GetString(inbox.Data.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        connection?.Dispose();
        if (reader is not null)
        {
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        deflater.Dispose();
        inflater.Dispose();
        writer.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await SpdyFrame.ReadAsync(net, CancellationToken.None) is { } frame)
            {
                if (!frame.Control)
                {
                    var inbox = inboxes.GetOrAdd(frame.StreamId, _ => new Inbox());
                    lock (inbox.Data)
                    {
                        inbox.Data.AddRange(frame.Payload);
                    }

                    if (frame.Payload.Length > 0)
                    {
                        inbox.Chunks.Writer.TryWrite(frame.Payload);
                    }

                    if (frame.Fin)
                    {
                        inbox.Close();
                    }
                }
                else if (frame.Type == SpdyFrame.SynReply)
                {
                    inflater.Process(frame.Payload.AsSpan(4));
                    var inbox = inboxes.GetOrAdd(frame.PayloadStreamId, _ => new Inbox());
                    inbox.Replied.TrySetResult();
                    if (frame.Fin)
                    {
                        inbox.Close();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            foreach (var inbox in inboxes.Values)
            {
                inbox.Close();
            }
        }
    }

    private sealed class Inbox
    {
        public List<byte> Data { get; } = [];

        /// <summary>The same data as it comes, for readers that cannot wait for the end.</summary>
        public Channel<byte[]> Chunks { get; } = Channel.CreateUnbounded<byte[]>();

        public TaskCompletionSource Replied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close()
        {
            Chunks.Writer.TryComplete();
            Closed.TrySetResult();
        }
    }
}
