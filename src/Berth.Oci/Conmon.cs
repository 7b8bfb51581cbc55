using System.Text;
using System.Text.Json;
using Berth.Linux;

namespace Berth.Oci;

/// <summary>Where one container's monitor keeps its files.</summary>
/// <param name="PersistDir">conmon's per-container directory: its pid file, the exit code
/// (<c>exit</c>), the OOM marker (<c>oom</c>) and its own log.</param>
/// <param name="ExitDir">Shared directory where conmon writes <c>&lt;id&gt;</c> with the exit code.</param>
/// <param name="LogPath">The container's CRI-format log.</param>
/// <param name="SocketDir">Attach sockets.</param>
public sealed record MonitorPaths(string PersistDir, string ExitDir, string LogPath, string SocketDir)
{
    public string ExitFile(string id) => Path.Combine(ExitDir, id);

    public string OomFile => Path.Combine(PersistDir, "oom");

    public string MonitorPidFile => Path.Combine(PersistDir, "conmon.pid");
}

/// <summary>A container created under its monitor, not yet started.</summary>
public sealed record MonitoredContainer(int Pid, int MonitorPid);

/// <summary>
/// conmon, the container monitor: it owns the container's stdio, writes the CRI log and the exit
/// code, and outlives the agent. Started the way CRI-O starts it: a SEQPACKET sync socket on
/// fd 3 (<c>_OCI_SYNCPIPE</c>) that reports the container pid or the runtime's error, and a start
/// socket on fd 4 (<c>_OCI_STARTPIPE</c>) that releases it. conmon runs <c>runc create</c>; the
/// caller then runs <c>runc start</c>.
/// </summary>
public sealed class Conmon(IOciRuntime runtime, string binary = "conmon") : IContainerMonitor
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    public string Binary { get; } = ExecutablePath.Resolve(binary);

    /// <param name="stdio">Whether the container's stdin is kept for attaching clients, whether
    /// the first client to close it closes it for good, and whether the process has a terminal.</param>
    public async Task<MonitoredContainer> CreateAsync(string id, string bundle, MonitorPaths paths, CancellationToken ct, (bool Stdin, bool StdinOnce, bool Tty) stdio = default)
    {
        Directory.CreateDirectory(paths.PersistDir);
        Directory.CreateDirectory(paths.ExitDir);
        Directory.CreateDirectory(paths.SocketDir);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.LogPath)!);

        List<string> args =
        [
            Binary,
            "--api-version", "1",
            "-b", bundle,
            "-c", id,
            "-u", id,
            "-n", id,
            "-r", ExecutablePath.Resolve(runtime.Binary),
            "--exit-dir", paths.ExitDir,
            "-l", "k8s-file:" + paths.LogPath,
            "--log-level", "error",
            "-P", paths.MonitorPidFile,
            "-p", Path.Combine(bundle, "pidfile"),
            "--persist-dir", paths.PersistDir,
            "--socket-dir-path", paths.SocketDir,
        ];
        if (stdio.Stdin)
        {
            args.Add("--stdin");
            if (!stdio.StdinOnce)
            {
                args.Add("--leave-stdin-open");
            }
        }

        if (stdio.Tty)
        {
            args.Add("--terminal");
        }

        for (var i = 0; i + 1 < runtime.GlobalArgs.Count; i += 2)
        {
            args.AddRange(["--runtime-arg", $"{runtime.GlobalArgs[i]}={runtime.GlobalArgs[i + 1]}"]);
        }

        var (syncParent, syncChild) = ChildSpawn.SeqpacketPair();
        var (startParent, startChild) = ChildSpawn.SeqpacketPair();
        try
        {
            var env = new Dictionary<string, string>
            {
                ["_OCI_SYNCPIPE"] = "3",
                ["_OCI_STARTPIPE"] = "4",
                ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin",
            };
            var pid = ChildSpawn.Spawn(Binary, args, env, new Dictionary<int, int> { [3] = syncChild, [4] = startChild }, bundle, Path.Combine(paths.PersistDir, "conmon.log"));
            ChildSpawn.Close(syncChild);
            ChildSpawn.Close(startChild);
            syncChild = startChild = -1;

            ChildSpawn.Write(startParent, [0]);
            var status = await ChildSpawn.WaitAsync(pid, ct);
            if (status != 0)
            {
                throw new CommandException(new CommandResult(string.Join(' ', args), status, "", ReadMonitorLog(paths)));
            }

            var message = await ChildSpawn.ReadMessageAsync(syncParent, CreateTimeout, ct);
            return Parse(message, string.Join(' ', args), paths);
        }
        finally
        {
            foreach (var fd in new[] { syncParent, syncChild, startParent, startChild }.Where(fd => fd >= 0))
            {
                ChildSpawn.Close(fd);
            }
        }
    }

    /// <summary>
    /// Asks the container's conmon to reopen its log file, after the file was renamed (log
    /// rotation): conmon reads "&lt;type&gt; &lt;height&gt; &lt;width&gt;" lines on the <c>ctl</c>
    /// FIFO it makes in the bundle, and type 2 makes it close the log and create it afresh.
    /// Returns false when no conmon is listening (the container has exited).
    /// </summary>
    public static bool RequestLogReopen(string bundle)
    {
        try
        {
            return Fifo.TryWrite(Path.Combine(bundle, "ctl"), "2 0 0\n"u8.ToArray());
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Sets the terminal size of a container with a tty (ctl message type 1: height, width).</summary>
    public static bool RequestResize(string bundle, ushort columns, ushort rows)
    {
        try
        {
            return Fifo.TryWrite(Path.Combine(bundle, "ctl"), Encoding.ASCII.GetBytes($"1 {rows} {columns}\n"));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The exit code conmon recorded, or null while the container runs.</summary>
    public static int? ReadExitCode(MonitorPaths paths, string id)
    {
        try
        {
            return int.TryParse(File.ReadAllText(paths.ExitFile(id)).Trim(), out var code) ? code : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public MonitorExit? ReadExit(MonitorPaths paths, string id) =>
        ReadExitCode(paths, id) is { } code
            ? new MonitorExit(code, File.GetLastWriteTimeUtc(paths.ExitFile(id)), File.Exists(paths.OomFile))
            : null;

    public int? ReadMonitorPid(MonitorPaths paths)
    {
        try
        {
            return int.TryParse(File.ReadAllText(paths.MonitorPidFile).Trim(), out var pid) ? pid : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    bool IContainerMonitor.RequestLogReopen(string bundle) => RequestLogReopen(bundle);

    private static MonitoredContainer Parse(byte[] message, string command, MonitorPaths paths)
    {
        var text = Encoding.UTF8.GetString(message).Trim();
        using var json = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        var root = json.RootElement;
        var pid = root.TryGetProperty("data", out var data) ? data.GetInt32()
            : root.TryGetProperty("pid", out var p) ? p.GetInt32()
            : -1;
        if (pid <= 0)
        {
            var why = root.TryGetProperty("message", out var m) ? m.GetString() ?? "" : text;
            throw new CommandException(new CommandResult(command, pid, "", $"{why} {ReadMonitorLog(paths)}".Trim()));
        }

        var monitorPid = int.TryParse(File.Exists(paths.MonitorPidFile) ? File.ReadAllText(paths.MonitorPidFile).Trim() : "", out var mp) ? mp : 0;
        return new MonitoredContainer(pid, monitorPid);
    }

    private static string ReadMonitorLog(MonitorPaths paths)
    {
        var log = Path.Combine(paths.PersistDir, "conmon.log");
        return File.Exists(log) ? File.ReadAllText(log).Trim() : "";
    }
}
