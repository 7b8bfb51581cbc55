using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>A terminal's line discipline settings (termios), to switch to raw mode and back.</summary>
public sealed partial class TerminalMode : IDisposable
{
    private const int TcsaNow = 0;
    private readonly int fd;
    private readonly byte[] saved;

    private TerminalMode(int fd, byte[] saved)
    {
        this.fd = fd;
        this.saved = saved;
    }

    /// <summary>
    /// Puts the terminal at <paramref name="fd"/> into raw mode (no echo, no line editing, no
    /// signals from keys: everything goes to the program at the other end) and returns what
    /// restores it. Null when <paramref name="fd"/> is not a terminal.
    /// </summary>
    public static TerminalMode? MakeRaw(int fd)
    {
        var termios = new byte[128]; // struct termios is 60 bytes on Linux
        if (TcGetAttr(fd, termios) != 0)
        {
            return null;
        }

        var saved = (byte[])termios.Clone();
        CfMakeRaw(termios);
        return TcSetAttr(fd, TcsaNow, termios) == 0 ? new TerminalMode(fd, saved) : null;
    }

    public void Dispose() => _ = TcSetAttr(fd, TcsaNow, saved);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int when, [In] byte[] termios);
}
