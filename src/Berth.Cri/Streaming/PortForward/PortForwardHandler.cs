using System.Net.Sockets;
using System.Text;
using Berth.Runtime.Streams;
using Berth.Streaming;

namespace Berth.Cri.Streaming.PortForward;

/// <summary>
/// A port forward over portforward.k8s.io: each connection of the client is a pair of streams
/// with one request id, an error stream and a data stream naming the port, joined to a TCP
/// connection to that port on the pod's loopback.
/// </summary>
public sealed class PortForwardHandler(IPodStreams pods)
{
    /// <summary>How long what the client sent may take to reach the pod once the pod's side ended.</summary>
    private static readonly TimeSpan InputWait = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="IPodStreams.PortsOf"/>
    public IPodPorts PortsOf(PortForwardStreamRequest request) => pods.PortsOf(request.SandboxId);

    /// <summary>Forwards every connection the client opens until the session ends.</summary>
    public async Task ServeAsync(SpdySession session, IPodPorts ports, PortForwardStreamRequest request)
    {
        var pairs = new Dictionary<string, (SpdyStream? Error, SpdyStream? Data)>();
        var forwards = new List<Task>();
        await foreach (var stream in session.Opened.ReadAllAsync(CancellationToken.None))
        {
            var id = stream.Header(StreamHeaders.RequestId);
            var pair = pairs.GetValueOrDefault(id);
            pair = stream.Header(StreamHeaders.StreamType) == StreamTypes.Error ? pair with { Error = stream } : pair with { Data = stream };
            pairs[id] = pair;
            if (pair is { Error: { } errorStream, Data: { } dataStream })
            {
                pairs.Remove(id);
                forwards.Add(ForwardAsync(ports, errorStream, dataStream, request.SandboxId));
            }
        }

        await Task.WhenAll(forwards);
    }

    private static async Task ForwardAsync(IPodPorts ports, SpdyStream error, SpdyStream data, string sandboxId)
    {
        if (!int.TryParse(data.Header(StreamHeaders.Port), out var port) || port is < 1 or > 65535)
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes($"invalid port \"{data.Header(StreamHeaders.Port)}\""), CancellationToken.None);
            await StreamPumps.CloseAllAsync([error, data]);
            return;
        }

        Socket socket;
        try
        {
            socket = await ports.ConnectAsync(port, CancellationToken.None);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes($"failed to connect to localhost:{port} in pod sandbox {sandboxId}: {e.Message}"), CancellationToken.None);
            await StreamPumps.CloseAllAsync([error, data]);
            return;
        }

        using (socket)
        {
            await using var network = new NetworkStream(socket, ownsSocket: false);
            var toPod = PumpToPodAsync(data, socket);
            await StreamPumps.PumpOutAsync(network, data);
            await Task.WhenAny(toPod, Task.Delay(InputWait));
        }

        await error.CloseAsync();
    }

    /// <summary>What the client sends, to the pod's port; the client's end is a half-close.</summary>
    private static async Task PumpToPodAsync(SpdyStream source, Socket socket)
    {
        try
        {
            while (await source.ReadAsync(CancellationToken.None) is { } chunk)
            {
                await socket.SendAsync(chunk, SocketFlags.None);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The pod's side is gone.
        }
    }
}
