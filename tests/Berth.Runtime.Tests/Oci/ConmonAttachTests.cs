using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Berth.Oci;

namespace Berth.Runtime.Tests.Oci;

/// <summary>The client side of conmon's attach protocol, against a socket and a ctl FIFO of the test's.</summary>
public sealed class ConmonAttachTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory dir = new();
    private readonly Socket listener = new(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);

    public ConmonAttachTests()
    {
        listener.Bind(new UnixDomainSocketEndPoint(dir["attach"]));
        listener.Listen();
    }

    public void Dispose()
    {
        listener.Dispose();
        dir.Dispose();
    }

    [Fact]
    public async Task Output_messages_name_their_stream_and_input_ends_with_a_shutdown()
    {
        using var attach = await ConmonAttach.ConnectAsync(dir["attach"], dir.Path, CancellationToken.None);
        using var monitor = await listener.AcceptAsync().WaitAsync(Wait);

        await monitor.SendAsync("\u0002out"u8.ToArray(), SocketFlags.None);
        await monitor.SendAsync("\u0003err"u8.ToArray(), SocketFlags.None);
        var first = await attach.ReceiveAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Equal((AttachedStream.Stdout, "out"), (first!.Value.Stream, Encoding.ASCII.GetString(first.Value.Data.Span)));
        var second = await attach.ReceiveAsync(CancellationToken.None).WaitAsync(Wait);
        Assert.Equal((AttachedStream.Stderr, "err"), (second!.Value.Stream, Encoding.ASCII.GetString(second.Value.Data.Span)));

        await attach.SendAsync("typed"u8.ToArray(), CancellationToken.None);
        attach.CloseInput();
        var buffer = new byte[64];
        Assert.Equal("typed", Encoding.ASCII.GetString(buffer, 0, await monitor.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Wait)));
        Assert.Equal(0, await monitor.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Wait));

        monitor.Close();
        Assert.Null(await attach.ReceiveAsync(CancellationToken.None).WaitAsync(Wait));
    }

    [Fact]
    public async Task A_resize_is_a_type_1_line_of_rows_then_columns_on_the_ctl_fifo()
    {
        using var attach = await ConmonAttach.ConnectAsync(dir["attach"], dir.Path, CancellationToken.None);
        Assert.False(attach.Resize(80, 24), "no ctl FIFO, no conmon");

        using (var mkfifo = Process.Start("mkfifo", [dir["ctl"]]))
        {
            await mkfifo.WaitForExitAsync();
        }

        // Held read-write, as conmon holds it: a writer never waits.
        using var ctl = new FileStream(dir["ctl"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        Assert.True(attach.Resize(80, 24));
        var buffer = new byte[64];
        Assert.Equal("1 24 80\n", Encoding.ASCII.GetString(buffer, 0, await ctl.ReadAsync(buffer).AsTask().WaitAsync(Wait)));
    }

    [Fact]
    public async Task No_monitor_on_the_socket_is_an_io_error()
    {
        listener.Close();

        await Assert.ThrowsAnyAsync<IOException>(() => ConmonAttach.ConnectAsync(dir["attach"], dir.Path, CancellationToken.None));
    }
}
