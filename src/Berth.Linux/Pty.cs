using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Berth.Linux;

/// <summary>A pseudo-terminal pair (posix_openpt), for a child that must have a terminal as its stdio.</summary>
public static partial class Pty
{
    private const int ONoctty = 0x100;
    private const ulong TiocSwinsz = 0x5414;

    /// <summary>A new pair: the master for this process, the slave's fd for the child (close it here once the child has it).</summary>
    public static (SafeFileHandle Master, int Slave) Open()
    {
        var master = PosixOpenpt(Libc.O_RDWR | ONoctty | Libc.O_CLOEXEC);
        if (master < 0)
        {
            throw Libc.Error("posix_openpt", Libc.LastError());
        }

        var handle = new SafeFileHandle(master, ownsHandle: true);
        var name = new byte[128];
        if (GrantPt(master) != 0 || UnlockPt(master) != 0 || PtsNameR(master, name, (nuint)name.Length) != 0)
        {
            var errno = Libc.LastError();
            handle.Dispose();
            throw Libc.Error("grantpt/unlockpt/ptsname", errno);
        }

        var path = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        var slave = Libc.Open(path, Libc.O_RDWR | ONoctty | Libc.O_CLOEXEC, 0);
        if (slave < 0)
        {
            var errno = Libc.LastError();
            handle.Dispose();
            throw Libc.Error($"open {path}", errno);
        }

        // Raw from the start, as runc would set it: nothing written before runc takes over is
        // echoed back or translated.
        TerminalMode.MakeRaw(slave);

        return (handle, slave);
    }

    /// <summary>Sets the terminal's size (TIOCSWINSZ on the master).</summary>
    public static void Resize(SafeFileHandle master, ushort columns, ushort rows)
    {
        var size = new WinSize { Rows = rows, Columns = columns };
        _ = Ioctl((int)master.DangerousGetHandle(), TiocSwinsz, ref size);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int GrantPt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int UnlockPt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsNameR(int fd, [Out] byte[] buffer, nuint length);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, ref WinSize size);
}
