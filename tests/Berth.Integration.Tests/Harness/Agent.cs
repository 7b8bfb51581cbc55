using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Berth.Integration.Tests.Harness;

/// <summary>
/// A real `berth serve` on its own temporary roots and its own cgroup root
/// (/berth-it-&lt;random&gt;), so tests never touch what the machine or other agents own.
/// Disposing removes every pod, stops the agent and deletes exactly what it created.
/// </summary>
public sealed class Agent : IAsyncDisposable
{
    private Process? process;

    private Agent(string name)
    {
        Dir = Directory.CreateTempSubdirectory($"berth-it-{name}-").FullName;
        CgroupRoot = "/" + Path.GetFileName(Dir);
    }

    public string Dir { get; }

    public string Root => Path.Combine(Dir, "lib");

    public string RunRoot => Path.Combine(Dir, "run");

    public string Socket => Path.Combine(RunRoot, "berth.sock");

    public string LogRoot => Path.Combine(Dir, "logs");

    public string CgroupRoot { get; }

    public string AgentLog => Path.Combine(Dir, "agent.log");

    public int Pid => process?.Id ?? 0;

    /// <summary>An agent's roots and cgroup root, not started yet (for what must exist before it
    /// starts); <see cref="StartProcessAsync"/> starts it.</summary>
    public static Agent Prepare(string name)
    {
        Prerequisites.Require();
        return new Agent(name);
    }

    /// <summary>The serve arguments that put an agent on these roots.</summary>
    public string[] ServeArgs => ["serve", "--root", Root, "--run-root", RunRoot, "--socket", Socket, "--cgroup-root", CgroupRoot, "--log-root", LogRoot];

    public static async Task<Agent> StartAsync(string name, params string[] extraArgs)
    {
        Prerequisites.Require();
        var agent = new Agent(name);
        await agent.StartProcessAsync(extraArgs);
        return agent;
    }

    public async Task StartProcessAsync(params string[] extraArgs)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Shell.BerthDll }.Concat(ServeArgs).Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        process = Process.Start(start)!;
        var log = File.AppendText(AgentLog);
        _ = PumpAsync(process.StandardError, log);
        _ = PumpAsync(process.StandardOutput, log);
        var deadline = DateTime.UtcNow + TestTime.Seconds(30);
        while (!(await BerthAsync("ps")).Stdout.StartsWith("NAMESPACE", StringComparison.Ordinal))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"agent did not start: {File.ReadAllText(AgentLog)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGTERM (graceful) or SIGKILL, and wait for the agent to be gone.</summary>
    public async Task StopProcessAsync(bool kill = false)
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        if (kill)
        {
            process.Kill();
        }
        else
        {
            await Shell.HostAsync("kill", "-TERM", process.Id.ToString());
        }

        await process.WaitForExitAsync(new CancellationTokenSource(TestTime.Seconds(30)).Token);
    }

    public Task<CliResult> BerthAsync(params string[] args) => Shell.RunAsync(["--socket", Socket, .. args]);

    /// <summary>Plays a manifest and returns a handle that removes the pod when disposed.</summary>
    public async Task<Pod> PlayAsync(string name, string yaml, params string[] extraArgs)
    {
        var file = Path.Combine(Dir, $"{name}-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        var result = await BerthAsync(["play", file, .. extraArgs]);
        Assert.True(result.ExitCode == 0, $"play {name} failed: {result}\nagent log:\n{File.ReadAllText(AgentLog)}");
        return new Pod(this, name);
    }

    public async Task<CliResult> PlayRawAsync(string yaml, params string[] extraArgs)
    {
        var file = Path.Combine(Dir, $"raw-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        return await BerthAsync(["play", file, .. extraArgs]);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (process is { HasExited: false })
            {
                var ps = await BerthAsync("ps", "-a", "-o", "json");
                foreach (var pod in JsonNode.Parse(ps.Stdout)?.AsArray() ?? [])
                {
                    await BerthAsync("down", (string)pod!["namespace"]! + "/" + (string)pod["name"]!, "--grace-period", "0");
                }

                await StopProcessAsync();
            }
        }
        finally
        {
            foreach (var dir in Kernel.CgroupDirectoriesUnder(CgroupRoot).OrderByDescending(d => d.Length))
            {
                Directory.Delete(dir);
            }

            foreach (var mount in Kernel.MountPoints().Where(m => m.StartsWith(Dir, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
            {
                await Shell.HostAsync("umount", "-l", mount);
            }

            Directory.Delete(Dir, recursive: true);
        }
    }

    private static async Task PumpAsync(StreamReader reader, StreamWriter log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
                log.Flush();
            }
        }
    }
}

/// <summary>A pod played by a test: its inspect document, removed on dispose.</summary>
public sealed class Pod(Agent agent, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    public async Task<JsonObject> InspectAsync()
    {
        var result = await agent.BerthAsync("inspect", Name);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    public async Task<JsonObject> ContainerAsync(string container) =>
        (await InspectAsync())["containers"]!.AsArray().Single(c => (string?)c!["name"] == container)!.AsObject();

    public async Task<int> PidAsync(string container) => (int)(await ContainerAsync(container))["pid"]!;

    public async Task<CliResult> ExecAsync(string container, params string[] command) =>
        await agent.BerthAsync(["exec", Name, "-c", container, "--", .. command]);

    /// <summary>Runs a shell command in the container and returns its stdout, failing the test on error.</summary>
    public async Task<string> ShAsync(string container, string script)
    {
        var result = await ExecAsync(container, "sh", "-c", script);
        Assert.True(result.ExitCode == 0, $"exec in {Name}/{container} failed: {result}");
        return result.Stdout;
    }

    public async ValueTask DisposeAsync() => await agent.BerthAsync("down", Name, "--grace-period", "0");
}
