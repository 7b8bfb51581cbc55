using System.Net.Sockets;
using System.Text;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// grpc-go clients (crictl, critest) send the socket path as HTTP/2 :authority, which Kestrel
/// alone answers with RST_STREAM PROTOCOL_ERROR. Speaks raw HTTP/2 the way they do and checks the
/// agent answers the call.
/// </summary>
[Collection("node")]
public class SocketAuthorityTests(TestNode node)
{
    [Theory]
    [InlineData("/var/run/some/deep/path/berth.sock")]
    [InlineData("localhost")]
    public async Task A_call_with_a_socket_path_authority_is_answered(string authority)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(node.Agent.Socket));
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        var request = new List<byte>();
        request.AddRange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        request.AddRange(Frame(0x4, 0, 0, [])); // SETTINGS
        var headers = new List<byte>();
        void Literal(string name, string value)
        {
            headers.Add(0x00); // literal without indexing, new name
            headers.Add((byte)name.Length);
            headers.AddRange(Encoding.ASCII.GetBytes(name));
            headers.Add((byte)value.Length);
            headers.AddRange(Encoding.ASCII.GetBytes(value));
        }

        headers.Add(0x83); // :method POST
        headers.Add(0x86); // :scheme http
        headers.Add(0x41); // :authority, literal with incremental indexing (as grpc-go sends it)
        headers.Add((byte)authority.Length);
        headers.AddRange(Encoding.ASCII.GetBytes(authority));
        Literal(":path", "/berth.v1.Agent/Version");
        Literal("content-type", "application/grpc");
        Literal("te", "trailers");
        request.AddRange(Frame(0x1, 0x4, 1, [.. headers])); // HEADERS, END_HEADERS
        request.AddRange(Frame(0x0, 0x1, 1, [0, 0, 0, 0, 0])); // DATA: an empty message, END_STREAM
        await stream.WriteAsync(request.ToArray());

        // Read frames until stream 1 ends: a RST_STREAM means the request was refused.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var sawHeaders = false;
        var sawData = false;
        while (true)
        {
            var header = new byte[9];
            await stream.ReadExactlyAsync(header, timeout.Token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            var stream1 = (header[5] & 0x7f) == 0 && header[6] == 0 && header[7] == 0 && header[8] == 1;
            if (!stream1)
            {
                continue;
            }

            Assert.NotEqual(0x3, header[3]); // RST_STREAM
            sawHeaders |= header[3] == 0x1;
            sawData |= header[3] == 0x0 && length > 5;
            if ((header[4] & 0x1) != 0 && header[3] == 0x1 && sawData)
            {
                break; // trailers with END_STREAM
            }
        }

        Assert.True(sawHeaders && sawData);
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload) =>
    [
        (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
        (byte)(streamId >> 24), (byte)(streamId >> 16), (byte)(streamId >> 8), (byte)streamId, .. payload,
    ];
}
