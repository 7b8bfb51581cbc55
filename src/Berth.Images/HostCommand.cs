using System.Diagnostics;

namespace Berth.Images;

/// <summary>Runs the host's own tools where they do the job better than .NET can (cp -a).</summary>
internal static class HostCommand
{
    /// <returns>Standard output.</returns>
    /// <exception cref="CommandFailedException">A non-zero exit.</exception>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file)
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

        // C messages, so the stderr carried by CommandFailedException reads the same on every host.
        start.Environment["LC_ALL"] = "C";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited on its own between the cancellation and the kill.
            }

            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        var output = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            throw new CommandFailedException(Quote(file, args), process.ExitCode, errors);
        }

        return output;
    }

    private static string Quote(string file, IReadOnlyList<string> args) =>
        string.Join(' ', args.Prepend(file).Select(QuoteOne));

    private static string QuoteOne(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=+,@%".Contains(c))
            ? word
            : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
