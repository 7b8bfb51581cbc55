using System.Net;
using System.Net.Sockets;

namespace Berth.Testing;

/// <summary>Connections over the loopback, for tests of protocols that need two ends.</summary>
public static class Loopback
{
    /// <summary>Both ends of one TCP connection on 127.0.0.1.</summary>
    public static async Task<(NetworkStream Client, NetworkStream Server)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepted = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var server = await accepted;
        server.NoDelay = true;
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }
}
