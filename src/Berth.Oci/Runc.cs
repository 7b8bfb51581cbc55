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

    /// <summary>Every container the runtime knows under its state root.</summary>
    Task<IReadOnlyList<OciState>> ListAsync(CancellationToken ct);

    /// <summary>Changes a running container's cgroup limits; null parts stay as they are.</summary>
    Task UpdateAsync(string id, ResourcesSpec resources, CancellationToken ct);
}

/// <summary>runc, with its state kept under Berth's own root so it never mixes with other users of runc.</summary>
public sealed class Runc(string stateRoot, string binary = "runc") : IOciRuntime
{
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
