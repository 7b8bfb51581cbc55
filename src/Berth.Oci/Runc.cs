using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Linux;
using Berth.Oci.Spec;

namespace Berth.Oci;

/// <summary>What <c>runc state</c> reports about a container.</summary>
public sealed record OciState(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("bundle")] string Bundle);

/// <summary>The output and exit code of a process run inside a container.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);

/// <summary>The OCI runtime, behind one interface so the runtime layer can be tested on a fake.</summary>
public interface IOciRuntime
{
    /// <summary>The runtime binary, for monitors that must invoke it themselves.</summary>
    string Binary { get; }

    /// <summary>Global arguments every invocation needs (the state root).</summary>
    IReadOnlyList<string> GlobalArgs { get; }

    /// <summary>Null when the runtime does not know the container.</summary>
    Task<OciState?> StateAsync(string id, CancellationToken ct);

    Task StartAsync(string id, CancellationToken ct);

    /// <summary>Sends a signal to the container's init (or to all its processes).</summary>
    Task KillAsync(string id, int signal, bool all, CancellationToken ct);

    /// <summary>Removes the container; already gone is success.</summary>
    Task DeleteAsync(string id, CancellationToken ct);

    Task<ExecResult> ExecAsync(string id, ProcessSpec process, TimeSpan timeout, CancellationToken ct);

    /// <summary>Every container the runtime knows under its state root.</summary>
    Task<IReadOnlyList<OciState>> ListAsync(CancellationToken ct);

    /// <summary>Changes a running container's cgroup limits; null parts stay as they are.</summary>
    Task UpdateAsync(string id, ResourcesSpec resources, CancellationToken ct);
}

/// <summary>runc, with its state kept under Berth's own root so it never mixes with other users of runc.</summary>
public sealed class Runc(string stateRoot, string binary = "runc") : IOciRuntime
{
    /// <summary>How long runc may take to exit once its exec'd process was killed.</summary>
    public static readonly TimeSpan ExecGrace = TimeSpan.FromSeconds(10);

    public string Binary { get; } = binary;

    public IReadOnlyList<string> GlobalArgs { get; } = ["--root", stateRoot];

    public async Task<OciState?> StateAsync(string id, CancellationToken ct)
    {
        var result = await RunAsync(["state", id], ct, check: false);
        if (result.ExitCode != 0)
        {
            if (IsNotFound(result))
            {
                return null;
            }

            throw new CommandException(result);
        }

        return JsonSerializer.Deserialize<OciState>(result.Stdout);
    }

    public Task StartAsync(string id, CancellationToken ct) => RunAsync(["start", id], ct);

    public async Task KillAsync(string id, int signal, bool all, CancellationToken ct)
    {
        var result = await RunAsync(all ? ["kill", "--all", id, signal.ToString()] : ["kill", id, signal.ToString()], ct, check: false);

        // A container that already stopped is not an error for a caller that wants it stopped.
        if (result.ExitCode != 0 && !IsNotFound(result) && !result.Stderr.Contains("not running", StringComparison.OrdinalIgnoreCase)
            && !result.Stderr.Contains("process already finished", StringComparison.OrdinalIgnoreCase))
        {
            throw new CommandException(result);
        }
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        var result = await RunAsync(["delete", "--force", id], ct, check: false);
        if (result.ExitCode != 0 && !IsNotFound(result))
        {
            throw new CommandException(result);
        }
    }

    /// <summary>
    /// <c>runc exec</c> in the foreground. When the timeout runs out (or <paramref name="ct"/> is
    /// cancelled) the exec'd process itself is killed, found through runc's pid file: killing
    /// the runc client alone would leave it running in the container. runc, still alive, reaps it
    /// and exits; only if it does not within <see cref="ExecGrace"/> is runc killed too.
    /// </summary>
    /// <exception cref="CommandException">Exit code -1: the timeout ran out.</exception>
    public async Task<ExecResult> ExecAsync(string id, ProcessSpec process, TimeSpan timeout, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("berth-exec-").FullName;
        var file = Path.Combine(dir, "process.json");
        var pidFile = Path.Combine(dir, "pid");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(process, RuntimeSpec.Json), ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        var killer = Task.CompletedTask;
        using var registration = deadline.Token.Register(() => killer = KillExecAsync(pidFile));
        try
        {
            var limit = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout + ExecGrace;
            var result = await RunAsync(["exec", "--pid-file", pidFile, "--process", file, id], CancellationToken.None, check: false, limit);
            await killer;
            ct.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
            {
                throw new CommandException(result with { ExitCode = -1, Stderr = $"timed out after {timeout}: {result.Stderr}" });
            }

            return new ExecResult(result.ExitCode, result.Stdout, result.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// SIGKILL to the process named in runc's pid file. runc writes the file right after the
    /// process starts, so a deadline hit before that waits for it (runc's own limit ends the wait).
    /// </summary>
    private static async Task KillExecAsync(string pidFile)
    {
        var until = DateTime.UtcNow + ExecGrace;
        while (DateTime.UtcNow < until)
        {
            if (File.Exists(pidFile) && int.TryParse(await File.ReadAllTextAsync(pidFile), out var pid) && pid > 0)
            {
                Signals.Send(pid, Signals.Kill);
                return;
            }

            await Task.Delay(20);
        }
    }

    public async Task<IReadOnlyList<OciState>> ListAsync(CancellationToken ct)
    {
        var result = await RunAsync(["list", "--format", "json"], ct);
        var text = result.Stdout.Trim();
        return text is "" or "null" ? [] : JsonSerializer.Deserialize<List<OciState>>(text) ?? [];
    }

    public async Task UpdateAsync(string id, ResourcesSpec resources, CancellationToken ct)
    {
        // runc reads the same linux.resources object the bundle has, from a file.
        var file = Path.Combine(Path.GetTempPath(), $"berth-update-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(resources, RuntimeSpec.Json), ct);
        try
        {
            await RunAsync(["update", "--resources", file, id], ct);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private Task<CommandResult> RunAsync(IEnumerable<string> args, CancellationToken ct, bool check = true, TimeSpan? timeout = null) =>
        CommandRunner.RunAsync(Binary, [.. GlobalArgs, .. args], ct, timeout: timeout, check: check);

    private static bool IsNotFound(CommandResult result) =>
        result.Stderr.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || result.Stderr.Contains("not found", StringComparison.OrdinalIgnoreCase)
        || result.Stderr.Contains("no such file", StringComparison.OrdinalIgnoreCase);
}
