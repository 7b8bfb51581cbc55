using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Cri.Streaming;
using Berth.Cri.Streaming.PortForward;
using Berth.Runtime.Tests.Fakes;
using Berth.Streaming;

namespace Berth.Runtime.Tests.Cri.Streaming;

/// <summary>Port forwarding on a pod whose ports are the test's loopback.</summary>
public sealed class PortForwardHandlerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakePodStreams pods = new();
    private SpdyPair pair = null!;
    private Task serving = null!;

    public async Task InitializeAsync()
    {
        pair = await SpdyPair.StartAsync();
        var handler = new PortForwardHandler(pods);
        var request = new PortForwardStreamRequest("sandbox-1");
        serving = handler.ServeAsync(pair.Session, handler.PortsOf(request), request);
    }

    public async Task DisposeAsync() => await pair.DisposeAsync(() => serving.WaitAsync(Wait));

    [Fact]
    public async Task A_connection_carries_bytes_both_ways_and_the_clients_end_is_a_half_close()
    {
        // The pod's server answers once it has read everything: only a half-close gets an answer.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answered = Task.Run(async () =>
        {
            using var peer = await listener.AcceptTcpClientAsync();
            var stream = peer.GetStream();
            var received = new MemoryStream();
            await stream.CopyToAsync(received);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(received.ToArray()).ToUpperInvariant()));
        });
        var (error, data) = await ConnectAsync("0", Port(listener));

        await pair.Client.SendAsync(data, "ping"u8.ToArray());
        await pair.Client.SendAsync(data, [], fin: true);

        Assert.Equal("PING", await pair.Client.ReadToEndAsync(data, Wait));
        Assert.Equal("", await pair.Client.ReadToEndAsync(error, Wait));
        await answered.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_port_that_is_not_one_and_a_port_nothing_listens_on_are_told_on_their_error_streams()
    {
        string closed;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = Port(listener);
        }

        var (invalidError, invalidData) = await ConnectAsync("1", "http");
        var (refusedError, refusedData) = await ConnectAsync("2", closed);

        Assert.Equal("invalid port \"http\"", await pair.Client.ReadToEndAsync(invalidError, Wait));
        Assert.Equal("", await pair.Client.ReadToEndAsync(invalidData, Wait));
        Assert.StartsWith($"failed to connect to localhost:{closed} in pod sandbox sandbox-1: ", await pair.Client.ReadToEndAsync(refusedError, Wait), StringComparison.Ordinal);
        Assert.Equal("", await pair.Client.ReadToEndAsync(refusedData, Wait));
    }

    private static string Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One connection of a client, as kubectl opens it: the error stream, then the data stream.</summary>
    private async Task<(uint Error, uint Data)> ConnectAsync(string requestId, string port)
    {
        var error = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error), (StreamHeaders.Port, port), (StreamHeaders.RequestId, requestId));
        var data = await pair.Client.OpenAsync((StreamHeaders.StreamType, StreamTypes.Data), (StreamHeaders.Port, port), (StreamHeaders.RequestId, requestId));
        return (error, data);
    }
}
