using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Linux;
using Berth.Streaming;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth exec -i/-t</c>: the agent's streaming URL, spoken to as kubectl exec does
/// (remotecommand v4 over SPDY): this process's input, output and terminal size go to the
/// command, and its exit code comes back as this process's.
/// </summary>
internal static class InteractiveExec
{
    public static async Task<int> RunAsync(string url, bool stdin, bool tty, CancellationToken ct)
    {
        await using var session = await SpdyClient.ConnectAsync(url, StreamProtocols.RemoteCommandV4);
        if (!session.Upgraded)
        {
            await Console.Error.WriteLineAsync($"error: the agent's streaming server refused the exec: {session.Response.Split('\n')[0].Trim()}");
            return ExitCodes.Failed;
        }

        // The size is known before the streams open, so that it follows the resize stream at once:
        // the server waits only a moment for it before it starts the command.
        var size = tty ? TerminalSize() : default;
        var error = await session.OpenAsync((StreamHeaders.StreamType, StreamTypes.Error));
        uint? input = stdin ? await session.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdin)) : null;
        var output = await session.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stdout));
        uint? errors = tty ? null : await session.OpenAsync((StreamHeaders.StreamType, StreamTypes.Stderr));
        uint? resize = tty ? await session.OpenAsync((StreamHeaders.StreamType, StreamTypes.Resize)) : null;
        if (resize is { } id)
        {
            await SendSizeAsync(session, id, size);
        }

        // A terminal of ours goes raw: keys (Ctrl-C included) are the command's to read.
        using var raw = tty && !Console.IsInputRedirected ? TerminalMode.MakeRaw(0) : null;
        using var winch = resize is { } r && !Console.IsOutputRedirected ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, signal => { _ = SendSizeAsync(session, r, TerminalSize()); }) : null;

        if (input is { } inputId)
        {
            _ = Task.Run(() => PumpInputAsync(session, inputId), CancellationToken.None);
        }

        await Task.WhenAll(PumpOutputAsync(session, output, Console.OpenStandardOutput(), ct), errors is { } e ? PumpOutputAsync(session, e, Console.OpenStandardError(), ct) : Task.CompletedTask);
        var status = await session.ReadToEndAsync(error);
        raw?.Dispose();
        return ExitCodeOf(status);
    }

    /// <summary>The v4 error stream's metav1.Status: Success, a NonZeroExitCode with the code, or a failure to report.</summary>
    private static int ExitCodeOf(string status)
    {
        if (status.Length == 0)
        {
            return ExitCodes.Ok;
        }

        var json = JsonNode.Parse(status);
        if ((string?)json?["status"] == "Success")
        {
            return ExitCodes.Ok;
        }

        if ((string?)json?["reason"] == "NonZeroExitCode" && int.TryParse((string?)json?["details"]?["causes"]?[0]?["message"], out var code))
        {
            return code;
        }

        Console.Error.WriteLine($"error: {(string?)json?["message"] ?? status}");
        return ExitCodes.Failed;
    }

    private static async Task PumpInputAsync(SpdyClient session, uint id)
    {
        await using var stdin = Console.OpenStandardInput();
        var buffer = new byte[8192];
        int n;
        while ((n = await stdin.ReadAsync(buffer)) > 0)
        {
            await session.SendAsync(id, buffer[..n]);
        }

        await session.SendAsync(id, [], fin: true);
    }

    private static async Task PumpOutputAsync(SpdyClient session, uint id, Stream target, CancellationToken ct)
    {
        await using (target)
        {
            while (await session.ReadAsync(id, ct) is { } chunk)
            {
                await target.WriteAsync(chunk, ct);
                await target.FlushAsync(ct);
            }
        }
    }

    private static (int Width, int Height) TerminalSize() =>
        Console.IsOutputRedirected ? (80, 24) : (Console.WindowWidth, Console.WindowHeight);

    private static Task SendSizeAsync(SpdyClient session, uint id, (int Width, int Height) size) =>
        session.SendAsync(id, Encoding.UTF8.GetBytes($"{{\"Width\":{size.Width},\"Height\":{size.Height}}}"));
}
