using System.Net.Sockets;
using Berth.Api.V1;
using Grpc.Net.Client;

namespace Berth.Cli;

/// <summary>The CLI's connection to the agent's unix socket.</summary>
public static class AgentClient
{
    public const string DefaultSocket = "/run/berth/berth.sock";

    /// <summary>--socket, else $BERTH_SOCKET, else the default.</summary>
    public static string SocketPath(string? option) =>
        option is { Length: > 0 } ? option
        : Environment.GetEnvironmentVariable("BERTH_SOCKET") is { Length: > 0 } env ? env
        : DefaultSocket;

    public static Agent.AgentClient Connect(string socket) => new(Channel(socket));

    /// <summary>A channel to the agent's socket, for clients of its other services (Events).</summary>
    public static GrpcChannel Channel(string socket)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 << 20 });
    }
}
