using System.Diagnostics;
using System.Text;

namespace Berth.Oci;

/// <summary>The result of a finished child process.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr);

/// <summary>A tool (runc, conmon, cp) failed: carries what ran, its exit code and its stderr.</summary>
public sealed class CommandException(CommandResult result)
    : Exception($"{result.Command} failed with exit code {result.ExitCode}: {Trim(result.Stderr.Length > 0 ? result.Stderr : result.Stdout)}")
{
    public CommandResult Result { get; } = result;

    private static string Trim(string s) => s.Trim().Length > 2000 ? s.Trim()[..2000] + "…" : s.Trim();
}

/// <summary>Runs a program to completion with captured output, a timeout and cancellation.</summary>
public static class CommandRunner
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> args,
        CancellationToken ct,
        string? stdin = null,
        TimeSpan? timeout = null,
        bool check = true)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var command = program + " " + string.Join(' ', start.ArgumentList);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandException(new CommandResult(command, 127, "", $"cannot run {program}: {e.Message}"));
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(new StringBuilder(stdin), ct);
            process.StandardInput.Close();
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new CommandException(new CommandResult(command, -1, await stdout, $"timed out after {timeout ?? TimeSpan.FromMinutes(2)}: {await stderr}"));
        }

        var result = new CommandResult(command, process.ExitCode, await stdout, await stderr);
        if (check && result.ExitCode != 0)
        {
            throw new CommandException(result);
        }

        return result;
    }
}
