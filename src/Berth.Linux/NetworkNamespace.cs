using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>Sockets made inside another network namespace (a pod's), for port forwarding.</summary>
public static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>
    /// A TCP connection to <paramref name="port"/> on the loopback of the namespace at
    /// <paramref name="netnsPath"/> (a pinned namespace or /proc/&lt;pid&gt;/ns/net). setns(2)
    /// moves only the calling thread, so a thread of its own enters the namespace, connects, and
    /// ends; the socket stays in the namespace it was made in.
    /// </summary>
    public static Task<Socket> ConnectLoopbackAsync(string netnsPath, int port, CancellationToken ct)
    {
        var done = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(netnsPath, FileMode.Open, FileAccess.Read);
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw Libc.Error($"setns {netnsPath}", Marshal.GetLastPInvokeError());
                }

                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                done.SetResult(socket);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "berth-netns",
        };
        thread.Start();
        return done.Task.WaitAsync(ct);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
