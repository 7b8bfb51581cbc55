using System.Text;

namespace Berth.Streaming.Tests;

/// <summary>The server's session and the client, each end of one loopback connection.</summary>
public sealed class SpdySessionTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private SpdySession session = null!;
    private SpdyClient client = null!;

    public async Task InitializeAsync()
    {
        var (clientEnd, serverEnd) = await Loopback.PairAsync();
        session = new SpdySession(serverEnd);
        session.Start();
        client = SpdyClient.Start(clientEnd);
    }

    public async Task DisposeAsync()
    {
        await client.DisposeAsync();
        await session.DisposeAsync();
    }

    [Fact]
    public async Task Streams_the_client_opens_arrive_in_order_with_their_headers()
    {
        var error = await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error));
        var data = await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Data), (StreamHeaders.Port, "80"), (StreamHeaders.RequestId, "3"));

        var first = await session.Opened.ReadAsync().AsTask().WaitAsync(Wait);
        var second = await session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        Assert.Equal((error, "error"), (first.Id, first.Header(StreamHeaders.StreamType)));
        Assert.Equal((data, "data", "80", "3"), (second.Id, second.Header(StreamHeaders.StreamType), second.Header(StreamHeaders.Port), second.Header(StreamHeaders.RequestId)));
        Assert.Equal("", second.Header("absent"));
    }

    [Fact]
    public async Task What_the_client_sends_arrives_on_its_stream_until_its_fin()
    {
        var id = await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin));
        var stream = await session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await client.SendAsync(id, "hello"u8.ToArray());
        await client.SendAsync(id, [], fin: true);

        Assert.Equal("hello", Encoding.ASCII.GetString(Assert.IsType<byte[]>(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait))));
        Assert.Null(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait));
    }

    [Fact]
    public async Task What_the_server_writes_reaches_the_client_and_its_close_ends_the_stream()
    {
        var id = await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));
        var stream = await session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await stream.WriteAsync("out "u8.ToArray(), CancellationToken.None);
        await stream.WriteAsync("put"u8.ToArray(), CancellationToken.None);
        await stream.CloseAsync();
        await stream.WriteAsync("after the close"u8.ToArray(), CancellationToken.None);

        Assert.Equal("out put", await client.ReadToEndAsync(id, Wait));
    }

    [Fact]
    public async Task A_client_that_goes_away_ends_the_session_and_its_streams()
    {
        await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin));
        var stream = await session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await client.DisposeAsync();

        await session.Completion.WaitAsync(Wait);
        Assert.Null(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait));
        Assert.False(await session.Opened.WaitToReadAsync().AsTask().WaitAsync(Wait));
    }

    [Fact]
    public async Task A_session_that_ends_closes_the_clients_streams()
    {
        var id = await client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));

        await session.DisposeAsync();

        Assert.Equal("", await client.ReadToEndAsync(id, Wait));
    }
}
