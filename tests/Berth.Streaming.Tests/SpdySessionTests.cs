using System.Text;

namespace Berth.Streaming.Tests;

/// <summary>The server's session and the client, each end of one loopback connection.</summary>
public sealed class SpdySessionTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private SpdyPair pair = null!;

    public async Task InitializeAsync() => pair = await SpdyPair.StartAsync();

    public async Task DisposeAsync() => await pair.DisposeAsync();

    [Fact]
    public async Task Streams_the_client_opens_arrive_in_order_with_their_headers()
    {
        var error = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error));
        var data = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Data), (StreamHeaders.Port, "80"), (StreamHeaders.RequestId, "3"));

        var first = await pair.Session.Opened.ReadAsync().AsTask().WaitAsync(Wait);
        var second = await pair.Session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        Assert.Equal((error, "error"), (first.Id, first.Header(StreamHeaders.StreamType)));
        Assert.Equal((data, "data", "80", "3"), (second.Id, second.Header(StreamHeaders.StreamType), second.Header(StreamHeaders.Port), second.Header(StreamHeaders.RequestId)));
        Assert.Equal("", second.Header("absent"));
    }

    [Fact]
    public async Task What_the_client_sends_arrives_on_its_stream_until_its_fin()
    {
        var id = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin));
        var stream = await pair.Session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await pair.Client.SendAsync(id, "hello"u8.ToArray());
        await pair.Client.SendAsync(id, [], fin: true);

        Assert.Equal("hello", Encoding.ASCII.GetString(Assert.IsType<byte[]>(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait))));
        Assert.Null(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait));
    }

    [Fact]
    public async Task What_the_server_writes_reaches_the_client_and_its_close_ends_the_stream()
    {
        var id = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));
        var stream = await pair.Session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await stream.WriteAsync("out "u8.ToArray(), CancellationToken.None);
        await stream.WriteAsync("put"u8.ToArray(), CancellationToken.None);
        await stream.CloseAsync();
        await stream.WriteAsync("after the close"u8.ToArray(), CancellationToken.None);

        Assert.Equal("out put", await pair.Client.ReadToEndAsync(id, Wait));
    }

    [Fact]
    public async Task A_client_that_goes_away_ends_the_session_and_its_streams()
    {
        await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin));
        var stream = await pair.Session.Opened.ReadAsync().AsTask().WaitAsync(Wait);

        await pair.Client.DisposeAsync();

        await pair.Session.Completion.WaitAsync(Wait);
        Assert.Null(await stream.ReadAsync(CancellationToken.None).WaitAsync(Wait));
        Assert.False(await pair.Session.Opened.WaitToReadAsync().AsTask().WaitAsync(Wait));
    }

    [Fact]
    public async Task A_session_that_ends_closes_the_clients_streams()
    {
        var id = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));

        await pair.Session.DisposeAsync();

        Assert.Equal("", await pair.Client.ReadToEndAsync(id, Wait));
    }
}
