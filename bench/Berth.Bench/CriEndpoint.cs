using System.Diagnostics;
using System.Net.Sockets;
using Berth.Cri.V1;
using Grpc.Net.Client;

namespace Berth.Bench;

/// <summary>A CRI server on a unix socket that the bench started, with its process for RSS.</summary>
public sealed class CriEndpoint(string name, string socket, Process process, Func<Task> stop) : IAsyncDisposable
{
    private readonly GrpcChannel channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        },
    });

    public string Name { get; } = name;

    public string Socket { get; } = socket;

    public Process Process { get; } = process;

    public RuntimeService.RuntimeServiceClient Runtime => new(channel);

    public ImageService.ImageServiceClient Images => new(channel);

    /// <summary>Resident memory of the server process in KiB (VmRSS).</summary>
    public long RssKiB()
    {
        var line = File.ReadLines($"/proc/{Process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await Runtime.VersionAsync(new VersionRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !Process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        channel.Dispose();
        await stop();
    }
}
