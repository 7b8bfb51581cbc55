namespace Berth.Images;

/// <summary>A host command the store ran failed: what ran, how it ended and what it said.</summary>
public sealed class CommandFailedException(string command, int exitCode, string stderr)
    : IOException($"{command} failed with exit code {exitCode}: {stderr.Trim()}")
{
    /// <summary>The command line, quoted so it can be pasted into a shell.</summary>
    public string Command { get; } = command;

    public int ExitCode { get; } = exitCode;

    public string Stderr { get; } = stderr;
}
