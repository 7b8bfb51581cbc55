using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Containers;

/// <summary>
/// Processes in running containers (exec with captured output or with open streams), the
/// monitor's attach point, and the monitor's log reopening. An exec takes on the container's
/// process settings (user, capabilities, environment) from its bundle.
/// </summary>
public sealed class ContainerExec(RuntimeState state, ContainerExits exits)
{
    /// <summary>
    /// A command in a running container, run to its end with its output captured (probes,
    /// hooks, CRI ExecSync). When <paramref name="timeout"/> runs out the exec'd process itself
    /// is killed (not only runc, which would leave it running in the container).
    /// </summary>
    /// <exception cref="CommandException">Exit code -1: the timeout ran out.</exception>
    public async Task<ExecResult> ExecSyncAsync(string idOrPrefix, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var (container, process) = await RunningProcessAsync(idOrPrefix, ct);
        await using var exec = await ExecSession.StartAsync(state.Seams.Oci, container.Id, process with { Args = command, Terminal = false }, stdin: false, ct);
        var stdout = new StreamReader(exec.Stdout).ReadToEndAsync(CancellationToken.None);
        var stderr = new StreamReader(exec.Stderr!).ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var code = await exec.Exited.WaitAsync(deadline.Token);
            return new ExecResult(code, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await exec.KillAsync();
            throw new CommandException(new CommandResult(string.Join(' ', command), -1, "", $"timed out after {timeout}"));
        }
    }

    /// <summary>
    /// A command in a running container with its standard streams open to the caller (kubectl
    /// exec), with a terminal when asked for. With a terminal, TERM is set unless the container
    /// sets it, as CRI-O does.
    /// </summary>
    public async Task<ExecSession> ExecStreamAsync(string idOrPrefix, IReadOnlyList<string> command, bool tty, bool stdin, CancellationToken ct, (ushort Columns, ushort Rows)? size = null)
    {
        var (container, process) = await RunningProcessAsync(idOrPrefix, ct);
        var env = process.Env;
        if (tty && !env.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal)))
        {
            env = [.. env, "TERM=xterm"];
        }

        return await ExecSession.StartAsync(state.Seams.Oci, container.Id, process with { Args = command, Terminal = tty, Env = env }, stdin, ct, size);
    }

    /// <summary>
    /// Where a running container's monitor takes attaching clients: its attach socket (a
    /// SEQPACKET socket conmon makes under the sockets directory) and the bundle whose ctl FIFO
    /// resizes the terminal.
    /// </summary>
    public async Task<(string AttachSocket, string Bundle)> AttachPointAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RunningAsync(idOrPrefix, ct);
        return (state.Layout.AttachSocket(container.Id), state.Layout.Bundle(container.Id));
    }

    /// <summary>
    /// Has the container's monitor reopen its log file, after log rotation renamed it. Returns
    /// once the new file exists, since the caller goes on to read it.
    /// </summary>
    public async Task ReopenLogAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await exits.RefreshAsync(state.Containers.Find(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found"), ct);
        if (container.State != ContainerState.Running || !state.Seams.Monitor.RequestLogReopen(state.Layout.Bundle(container.Id)))
        {
            throw new PreconditionException($"container {container.Id} is not running: no monitor writes its log");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!File.Exists(container.LogFile) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    private async Task<ContainerRecord> RunningAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await exits.RefreshAsync(state.Containers.Find(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found"), ct);
        return container.State == ContainerState.Running
            ? container
            : throw new PreconditionException($"container {container.Config.Name} is not running");
    }

    /// <summary>A running container and its process settings, which an exec takes on.</summary>
    private async Task<(ContainerRecord Container, ProcessSpec Process)> RunningProcessAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RunningAsync(idOrPrefix, ct);
        var spec = JsonSerializer.Deserialize<RuntimeSpec>(await File.ReadAllTextAsync(state.Layout.SpecFile(container.Id), ct), RuntimeSpec.Json)!;
        return (container, spec.Process);
    }
}
