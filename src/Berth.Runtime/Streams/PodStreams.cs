using System.Net;
using System.Net.Sockets;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Containers;
using Berth.Runtime.Sandboxes;

namespace Berth.Runtime.Streams;

/// <summary>
/// The streams of this node's containers and pods: an exec with open streams, an attach through
/// the container's conmon, and connections made inside a pod's network namespace.
/// </summary>
public sealed class PodStreams(ContainerExec exec, SandboxLifecycle sandboxes) : IPodStreams
{
    public Task<ExecSession> ExecAsync(string containerId, IReadOnlyList<string> command, bool tty, bool stdin, (ushort Columns, ushort Rows)? size, CancellationToken ct) =>
        exec.ExecStreamAsync(containerId, command, tty, stdin, ct, size);

    public async Task<ConmonAttach> AttachAsync(string containerId, CancellationToken ct)
    {
        var (socket, bundle) = await exec.AttachPointAsync(containerId, ct);
        return await ConmonAttach.ConnectAsync(socket, bundle, ct);
    }

    /// <summary>The ports of a host-network sandbox: the node's own loopback.</summary>
    public static IPodPorts HostNetwork { get; } = new Ports(null);

    public IPodPorts PortsOf(string sandboxId) => new Ports(sandboxes.NetnsPathOf(sandboxId));

    /// <param name="netns">The namespace to connect in; null for a host-network sandbox, whose ports are the node's.</param>
    private sealed class Ports(string? netns) : IPodPorts
    {
        public Task<Socket> ConnectAsync(int port, CancellationToken ct) =>
            netns is null ? ConnectHostAsync(port, ct) : NetworkNamespace.ConnectLoopbackAsync(netns, port, ct);

        private static async Task<Socket> ConnectHostAsync(int port, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
