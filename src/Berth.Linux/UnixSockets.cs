using System.Globalization;
using System.Net.Sockets;

namespace Berth.Linux;

/// <summary>Unix sockets at paths of any length.</summary>
public static class UnixSockets
{
    private const int OPath = 0x200000;

    /// <summary>
    /// Connects to the socket at <paramref name="path"/>. A unix address holds 108 bytes, and a
    /// monitor's socket under a deep run root can need more; /proc/self/fd/N/name, through an
    /// O_PATH descriptor of its directory, is always short.
    /// </summary>
    public static async Task<Socket> ConnectAsync(string path, SocketType type, CancellationToken ct)
    {
        var dir = Libc.Open(Path.GetDirectoryName(path)!, OPath | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (dir < 0)
        {
            var errno = Libc.LastError();
            throw errno == Libc.ENOENT ? new FileNotFoundException($"{path} does not exist", path) : Libc.Error($"open {Path.GetDirectoryName(path)}", errno);
        }

        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint($"/proc/self/fd/{dir.ToString(CultureInfo.InvariantCulture)}/{Path.GetFileName(path)}"), ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            _ = Libc.Close(dir);
        }
    }
}
