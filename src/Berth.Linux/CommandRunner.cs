using System.ComponentModel;
using System.Diagnostics;

namespace Berth.Linux;

/// <summary>The result of a finished child process.</summary>
/// <param name="Command">The command line; <see cref="CommandRunner"/> quotes it so it can be pasted into a shell.</param>
public sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr);

/// <summary>A host tool (runc, cp, find) failed: carries what ran, its exit code and what it said.</summary>
public sealed class CommandException(CommandResult result)
    : Exception($"{result.Command} failed with exit code {result.ExitCode}: {Trim(result.Stderr.Length > 0 ? result.Stderr : result.Stdout)}")
{
    public CommandResult Outcome { get; } = result;

    private static string Trim(string s) => s.Trim().Length > 2000 ? s.Trim()[..2000] + "…" : s.Trim();
}

/// <summary>
/// Runs a program to completion with captured output, a timeout and cancellation. Arguments go
/// to the program as they are, never through a shell.
/// </summary>
public static class CommandRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <param name="stdin">Written to the program's standard input; without it the program reads
    /// end of file at once rather than waiting on whatever input this process has.</param>
    /// <param name="timeout"><see cref="DefaultTimeout"/> when null; <see cref="Timeout.InfiniteTimeSpan"/>
    /// for none. A program that overruns it is killed with its descendants.</param>
    /// <param name="check">Throw <see cref="CommandException"/> on a non-zero exit; otherwise the
    /// caller reads <see cref="CommandResult.ExitCode"/>.</param>
    /// <param name="environment">Variables set for the program on top of this process's own.</param>
    /// <exception cref="CommandException">The program could not start (exit code 127), timed out
    /// (exit code -1) or, with <paramref name="check"/>, exited non-zero.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the
    /// program and its descendants have been killed.</exception>
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> args,
        CancellationToken ct,
        string? stdin = null,
        TimeSpan? timeout = null,
        bool check = true,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // C messages, so stderr that callers match on or show reads the same on every host.
        start.Environment["LC_ALL"] = "C";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var command = Quote(program, start.ArgumentList);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new CommandException(new CommandResult(command, 127, "", $"cannot run {program}: {e.Message}"));
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), deadline.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new CommandException(new CommandResult(command, -1, await stdout, $"timed out after {limit}: {await stderr}"));
        }

        var result = new CommandResult(command, process.ExitCode, await stdout, await stderr);
        if (check && result.ExitCode != 0)
        {
            throw new CommandException(result);
        }

        return result;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own between the cancellation and the kill.
        }
    }

    private static string Quote(string program, IEnumerable<string> args) =>
        string.Join(' ', args.Prepend(program).Select(QuoteOne));

    private static string QuoteOne(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+,@%".Contains(c))
            ? word
            : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
