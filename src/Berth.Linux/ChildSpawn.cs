using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// Starts a program with chosen file descriptors at chosen numbers (posix_spawn with dup2 file
/// actions). System.Diagnostics.Process cannot pass extra descriptors, and conmon takes its
/// sync and start sockets as fds 3 and 4. Everything else .NET opened is close-on-exec.
/// </summary>
public static class ChildSpawn
{
    /// <summary>Creates a connected SEQPACKET socket pair, both ends close-on-exec.</summary>
    public static (int Parent, int Child) SeqpacketPair()
    {
        var fds = new int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw Error("socketpair");
        }

        return (fds[0], fds[1]);
    }

    /// <summary>Starts <paramref name="path"/>; <paramref name="fdMap"/> maps child fd number → parent fd.
    /// Unmapped 0/1/2 go to /dev/null, or stdout/stderr to <paramref name="outputFile"/> when given.</summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<int, int> fdMap, string? workingDirectory = null, string? outputFile = null)
    {
        var devNull = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        var output = outputFile is null ? devNull : Libc.Open(outputFile, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0x1a0);
        if (devNull < 0 || output < 0)
        {
            throw Error("open");
        }

        var actions = Marshal.AllocHGlobal(256);
        var args = ToCStringArray([path, .. argv.Skip(1)]);
        var envp = ToCStringArray(env.Select(kv => $"{kv.Key}={kv.Value}"));
        try
        {
            Check(Libc.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            var map = new Dictionary<int, int>(fdMap);
            map.TryAdd(0, devNull);
            map.TryAdd(1, output);
            map.TryAdd(2, output);
            foreach (var (target, source) in map)
            {
                Check(Libc.PosixSpawnFileActionsAddDup2(actions, source, target), "posix_spawn_file_actions_adddup2");
            }

            if (workingDirectory is not null)
            {
                Check(Libc.PosixSpawnFileActionsAddChdir(actions, workingDirectory), "posix_spawn_file_actions_addchdir_np");
            }

            Check(Libc.PosixSpawn(out var pid, path, actions, IntPtr.Zero, args, envp), $"posix_spawn {path}");
            return pid;
        }
        finally
        {
            _ = Libc.PosixSpawnFileActionsDestroy(actions);
            Marshal.FreeHGlobal(actions);
            FreeCStringArray(args);
            FreeCStringArray(envp);
            _ = Libc.Close(devNull);
            if (output != devNull)
            {
                _ = Libc.Close(output);
            }
        }
    }

    /// <summary>Waits for a child this process spawned and returns its wait status' exit code
    /// (128+signal when killed).</summary>
    public static async Task<int> WaitAsync(int pid, CancellationToken ct)
    {
        while (true)
        {
            var r = Libc.WaitPid(pid, out var status, Libc.WNOHANG);
            if (r == pid)
            {
                var signal = status & 0x7f;
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
            }

            if (r < 0)
            {
                throw Error($"waitpid {pid}");
            }

            await Task.Delay(2, ct);
        }
    }

    /// <summary>Reads one message from a socket, waiting up to <paramref name="timeout"/>;
    /// empty at end of stream.</summary>
    public static async Task<byte[]> ReadMessageAsync(int fd, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        while (Libc.Poll(ref pfd, 1, 0) == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no message on fd {fd} within {timeout}");
            }

            await Task.Delay(2, ct);
        }

        var buffer = new byte[65536];
        var n = Libc.Read(fd, buffer, buffer.Length);
        return n < 0 ? throw Error("read") : buffer[..(int)n];
    }

    public static void Write(int fd, ReadOnlySpan<byte> data)
    {
        if (Libc.Write(fd, data.ToArray(), data.Length) < 0)
        {
            throw Error("write");
        }
    }

    public static void Close(int fd) => _ = Libc.Close(fd);

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new Win32Exception(rc, $"{what}: {Marshal.GetPInvokeErrorMessage(rc)}");
        }
    }

    private static Win32Exception Error(string what)
    {
        var errno = Libc.LastError();
        return new Win32Exception(errno, $"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static IntPtr[] ToCStringArray(IEnumerable<string> items) =>
        [.. items.Select(s => Marshal.StringToCoTaskMemUTF8(s)), IntPtr.Zero];

    private static void FreeCStringArray(IntPtr[] array)
    {
        foreach (var p in array.Where(p => p != IntPtr.Zero))
        {
            Marshal.FreeCoTaskMem(p);
        }
    }
}
