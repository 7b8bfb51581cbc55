using Berth.Streaming;

namespace Berth.Testing;

/// <summary>A server session and a client, each on one end of a loopback connection: the two
/// sides of every streaming test.</summary>
public sealed class SpdyPair : IAsyncDisposable
{
    private SpdyPair(SpdySession session, SpdyClient client)
    {
        Session = session;
        Client = client;
    }

    public SpdySession Session { get; }

    public SpdyClient Client { get; }

    /// <summary>Connects the two ends and starts the server's session.</summary>
    public static async Task<SpdyPair> StartAsync()
    {
        var (clientEnd, serverEnd) = await Loopback.PairAsync();
        var session = new SpdySession(serverEnd);
        session.Start();
        return new SpdyPair(session, SpdyClient.Start(clientEnd));
    }

    /// <summary>The client goes first, then <paramref name="between"/> (a server side's work
    /// ending), then the session.</summary>
    public async ValueTask DisposeAsync(Func<Task> between)
    {
        await Client.DisposeAsync();
        await between();
        await Session.DisposeAsync();
    }

    public ValueTask DisposeAsync() => DisposeAsync(() => Task.CompletedTask);
}
