using System.Net.Sockets;
using Berth.Oci;

namespace Berth.Runtime.Streams;

/// <summary>
/// What the streaming server (kubectl exec, attach and port-forward) reaches in containers and
/// pods. Behind an interface so that the server's handlers are tested on fakes, without
/// processes, monitors or network namespaces.
/// </summary>
public interface IPodStreams
{
    /// <inheritdoc cref="Containers.ContainerExec.ExecStreamAsync"/>
    /// <exception cref="NotFoundException">No such container.</exception>
    /// <exception cref="PreconditionException">The container is not running.</exception>
    Task<ExecSession> ExecAsync(string containerId, IReadOnlyList<string> command, bool tty, bool stdin, (ushort Columns, ushort Rows)? size, CancellationToken ct);

    /// <summary>The container's own stdio, through its monitor.</summary>
    /// <exception cref="NotFoundException">No such container.</exception>
    /// <exception cref="PreconditionException">The container is not running.</exception>
    /// <exception cref="IOException">Its monitor does not answer.</exception>
    Task<ConmonAttach> AttachAsync(string containerId, CancellationToken ct);

    /// <summary>The ports of a sandbox, as its containers see them on their loopback.</summary>
    /// <exception cref="NotFoundException">No such sandbox.</exception>
    /// <exception cref="PreconditionException">The sandbox is not ready.</exception>
    IPodPorts PortsOf(string sandboxId);
}

/// <summary>One sandbox's ports, for port forwarding.</summary>
public interface IPodPorts
{
    /// <summary>A TCP connection to <paramref name="port"/> on the pod's loopback.</summary>
    /// <exception cref="SocketException">Nothing listens there.</exception>
    /// <exception cref="IOException">The pod's network namespace cannot be entered.</exception>
    Task<Socket> ConnectAsync(int port, CancellationToken ct);
}
