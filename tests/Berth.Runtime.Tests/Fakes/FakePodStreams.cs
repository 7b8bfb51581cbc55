using Berth.Oci;
using Berth.Runtime.Streams;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>
/// Pods whose ports are this host's loopback, and whose containers refuse every exec and attach
/// with <see cref="Refusal"/>: what the streaming handlers are tested on.
/// </summary>
public sealed class FakePodStreams : IPodStreams
{
    /// <summary>What an exec, an attach or a sandbox lookup throws; nothing for a sandbox lookup when null.</summary>
    public Exception? Refusal { get; init; }

    /// <summary>The containers asked for, in order.</summary>
    public List<string> Asked { get; } = [];

    public Task<ExecSession> ExecAsync(string containerId, IReadOnlyList<string> command, bool tty, bool stdin, (ushort Columns, ushort Rows)? size, CancellationToken ct)
    {
        Asked.Add(containerId);
        return Task.FromException<ExecSession>(Refusal ?? new NotSupportedException("the fake runs no process"));
    }

    public Task<ConmonAttach> AttachAsync(string containerId, CancellationToken ct)
    {
        Asked.Add(containerId);
        return Task.FromException<ConmonAttach>(Refusal ?? new NotSupportedException("the fake has no monitor"));
    }

    public IPodPorts PortsOf(string sandboxId) => Refusal is { } refusal ? throw refusal : PodStreams.HostNetwork;
}
