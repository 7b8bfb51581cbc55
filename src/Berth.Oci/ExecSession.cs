using System.Diagnostics;
using System.Text.Json;
using Berth.Linux;
using Berth.Oci.Spec;
using Microsoft.Win32.SafeHandles;

namespace Berth.Oci;

/// <summary>The output and exit code of a process run inside a container.</summary>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// A process started in a running container with its standard streams open to the caller: what
/// interactive exec (kubectl exec) needs, with or without a terminal.
/// </summary>
public sealed class ExecSession : IAsyncDisposable
{
    /// <summary>How long a kill waits for runc's pid file, and then for runc to exit.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly string dir;
    private readonly int pid;
    private readonly SafeFileHandle? master;

    private ExecSession(string dir, int pid, Task<int> exited, SafeFileHandle? master, Stream? stdin, Stream stdout, Stream? stderr)
    {
        this.dir = dir;
        this.pid = pid;
        this.master = master;
        Exited = exited;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;
    }

    /// <summary>The process's input (the terminal with a tty); null when none was asked for.</summary>
    public Stream? Stdin { get; }

    /// <summary>The process's output (the terminal with a tty).</summary>
    public Stream Stdout { get; }

    /// <summary>Null with a tty: a terminal has one output.</summary>
    public Stream? Stderr { get; }

    /// <summary>The exit code, as runc reports it (128 + signal for a killed process).</summary>
    public Task<int> Exited { get; }

    /// <summary>The process has a terminal (its stdout and stderr are one stream).</summary>
    public bool Tty => master is not null;

    /// <param name="stdin">Keep an input open to the process; without it, it reads end of file.</param>
    /// <param name="size">The terminal's size from the start (columns, rows), so that the command never sees 0×0.</param>
    public static async Task<ExecSession> StartAsync(IOciRuntime oci, string id, ProcessSpec process, bool stdin, CancellationToken ct, (ushort Columns, ushort Rows)? size = null)
    {
        var dir = Directory.CreateTempSubdirectory("berth-exec-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "process.json"), JsonSerializer.Serialize(process, RuntimeSpec.Json), ct);
            IReadOnlyList<string> args = [oci.Binary, .. oci.GlobalArgs, "exec", "--pid-file", Path.Combine(dir, "pid"), "--process", Path.Combine(dir, "process.json"), id];
            return process.Terminal ? StartWithTerminal(args, dir, stdin, size) : StartWithPipes(args, dir, stdin);
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>Sets the terminal's size and has runc pass it on (it does on SIGWINCH).</summary>
    public void Resize(ushort columns, ushort rows)
    {
        if (master is { IsClosed: false } && columns > 0 && rows > 0)
        {
            Pty.Resize(master, columns, rows);
            Signals.Send(pid, Signals.Parse("WINCH"));
        }
    }

    private static ExecSession StartWithPipes(IReadOnlyList<string> args, string dir, bool stdin)
    {
        var start = new ProcessStartInfo(args[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        var runc = Process.Start(start) ?? throw new InvalidOperationException($"{args[0]} did not start");
        if (!stdin)
        {
            runc.StandardInput.Close();
        }

        return new ExecSession(dir, runc.Id, RuncExit(runc), null, stdin ? runc.StandardInput.BaseStream : null, runc.StandardOutput.BaseStream, runc.StandardError.BaseStream);
    }

    /// <summary>
    /// runc in the foreground allocates the container's terminal and relays it over its own
    /// stdio, which must be a terminal too (it sets it raw and reads its size from it): a pty
    /// pair of Berth's, whose master is the session's input and output.
    /// </summary>
    private static ExecSession StartWithTerminal(IReadOnlyList<string> args, string dir, bool stdin, (ushort Columns, ushort Rows)? size)
    {
        var (master, slave) = Pty.Open();
        try
        {
            if (size is { Columns: > 0, Rows: > 0 } initial)
            {
                Pty.Resize(master, initial.Columns, initial.Rows);
            }

            var env = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
            var pid = ChildSpawn.Spawn(args[0], args, env, new Dictionary<int, int> { [0] = slave, [1] = slave, [2] = slave });
            var terminal = new FileStream(master, FileAccess.ReadWrite, bufferSize: 0);
            return new ExecSession(dir, pid, ChildSpawn.WaitAsync(pid, CancellationToken.None), master, stdin ? terminal : null, terminal, null);
        }
        catch
        {
            master.Dispose();
            throw;
        }
        finally
        {
            ChildSpawn.Close(slave);
        }
    }

    private static async Task<int> RuncExit(Process runc)
    {
        using (runc)
        {
            await runc.WaitForExitAsync();
            return runc.ExitCode;
        }
    }

    /// <summary>
    /// SIGKILL to the exec'd process, not only to runc (which would leave it running in the
    /// container). It is found through runc's pid file, written right after the process starts:
    /// a kill that comes before waits for it while runc runs, for a few seconds at most.
    /// </summary>
    public async Task KillAsync()
    {
        var pidFile = Path.Combine(dir, "pid");
        var until = DateTime.UtcNow + KillWait;
        while (!Exited.IsCompleted && DateTime.UtcNow < until)
        {
            if (File.Exists(pidFile) && int.TryParse(await File.ReadAllTextAsync(pidFile), out var target) && target > 0)
            {
                Signals.Send(target, Signals.Kill);
                return;
            }

            await Task.WhenAny(Exited, Task.Delay(20));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Exited.IsCompleted)
        {
            await KillAsync();
            if (await Task.WhenAny(Exited, Task.Delay(KillWait)) != Exited)
            {
                Signals.Send(pid, Signals.Kill); // runc itself
            }

            await Exited;
        }

        await Stdout.DisposeAsync();
        master?.Dispose();
        Directory.Delete(dir, recursive: true);
    }
}
