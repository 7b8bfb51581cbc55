using System.Diagnostics;

namespace Berth.Testing;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>The real <c>berth</c> CLI as a child process: real arguments, streams and exit codes.
/// It is the berth.dll built next to the tests, or the one <c>BERTH_CLI_DLL</c> names
/// (<c>scripts/test</c> points it at the published, ReadyToRun-compiled <c>out/berth.dll</c>).</summary>
public static class BerthCli
{
    public static string Dll { get; } = Environment.GetEnvironmentVariable("BERTH_CLI_DLL") is { Length: > 0 } dll
        ? Path.GetFullPath(dll)
        : Path.Combine(AppContext.BaseDirectory, "berth.dll");

    /// <param name="stdin">Written to berth's input, which is then closed; without it berth reads end of file at once.</param>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TestTime.Scaled(timeout ?? TimeSpan.FromSeconds(120)));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"berth {string.Join(' ', args)} did not finish in time");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
