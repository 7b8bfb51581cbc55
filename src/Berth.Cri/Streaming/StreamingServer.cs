using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Streaming;

/// <summary>
/// The streaming server behind CRI's Exec, Attach and PortForward (and `berth exec -it`), like the kubelet's: plain HTTP on a
/// loopback port, where a client upgrades to SPDY/3.1 and speaks Kubernetes' remotecommand
/// protocol (v4.channel.k8s.io: streams error, stdin, stdout, stderr, resize) or its port-forward
/// protocol (portforward.k8s.io: an error and a data stream per connection).
/// </summary>
public sealed class StreamingServer(StreamingRequests requests, PodRuntime runtime, IServer server, ILogger<StreamingServer> logger)
{
    public const string RemoteCommandV4 = "v4.channel.k8s.io";
    public const string PortForwardV1 = "portforward.k8s.io";
    private static readonly TimeSpan StreamWait = TimeSpan.FromSeconds(30);

    /// <summary>How long an exec with a tty waits for the client's first terminal size.</summary>
    private static readonly TimeSpan FirstSizeWait = TimeSpan.FromSeconds(2);

    /// <summary>The server's base URL (http://127.0.0.1:port), from the listener Kestrel bound.</summary>
    public string BaseUrl =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://127.", StringComparison.Ordinal) || a.StartsWith("http://[", StringComparison.Ordinal) || a.StartsWith("http://localhost", StringComparison.Ordinal))
        ?? throw new InvalidOperationException("the streaming server has no TCP listener");

    public string ExecUrl(ExecStreamRequest request) => $"{BaseUrl}/exec/{requests.Add(request)}";

    public string AttachUrl(AttachStreamRequest request) => $"{BaseUrl}/attach/{requests.Add(request)}";

    public string PortForwardUrl(PortForwardStreamRequest request) => $"{BaseUrl}/portforward/{requests.Add(request)}";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/exec/{token}", ["GET", "POST"], (HttpContext context, string token) => context.RequestServices.GetRequiredService<StreamingServer>().ExecAsync(context, token));
        endpoints.MapMethods("/attach/{token}", ["GET", "POST"], (HttpContext context, string token) => context.RequestServices.GetRequiredService<StreamingServer>().AttachAsync(context, token));
        endpoints.MapMethods("/portforward/{token}", ["GET", "POST"], (HttpContext context, string token) => context.RequestServices.GetRequiredService<StreamingServer>().PortForwardAsync(context, token));
    }

    private async Task ExecAsync(HttpContext context, string token)
    {
        if (await TakeAsync<ExecStreamRequest>(context, token) is not { } request
            || await StartRemoteCommandAsync(context, request.Stdin, request.Stdout, request.Stderr, request.Tty, $"exec in {request.ContainerId}") is not var (session, streams))
        {
            return;
        }

        await using var owned = session;

        var error = streams["error"];

        // kubectl sends the terminal's size right after opening the streams: a moment's wait
        // for it lets the command start with its real size rather than 0×0.
        var sizes = new SizeReader();
        (ushort Columns, ushort Rows)? initial = null;
        if (streams.TryGetValue("resize", out var resizeStream))
        {
            using var wait = new CancellationTokenSource(FirstSizeWait);
            try
            {
                while (initial is null && await resizeStream.ReadAsync(wait.Token) is { } chunk)
                {
                    initial = sizes.Add(chunk).Select(s => ((ushort, ushort)?)s).LastOrDefault();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        ExecSession exec;
        try
        {
            exec = await runtime.ExecStreamAsync(request.ContainerId, request.Command, request.Tty, request.Stdin, context.RequestAborted, initial);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException or CommandException or IOException)
        {
            await error.WriteAsync(Status("Failure", e.Message), CancellationToken.None);
            await CloseAllAsync(streams.Values);
            return;
        }

        await using (exec)
        {
            var pumps = new List<Task>();
            if (streams.TryGetValue("stdout", out var stdout))
            {
                pumps.Add(PumpOutAsync(exec.Stdout, stdout));
            }

            if (streams.TryGetValue("stderr", out var stderr) && exec.Stderr is { } stderrPipe)
            {
                pumps.Add(PumpOutAsync(stderrPipe, stderr));
            }

            if (streams.TryGetValue("stdin", out var stdin) && exec.Stdin is { } input)
            {
                _ = PumpInAsync(stdin, input, closeAtEnd: !exec.Tty);
            }

            if (resizeStream is not null)
            {
                _ = ResizeAsync(resizeStream, sizes, exec.Resize);
            }

            // A client that goes away ends its command too (disposing the session kills it).
            if (await Task.WhenAny(exec.Exited, session.Completion) != exec.Exited)
            {
                logger.LogInformation("exec in {Container}: the client went away; killing the command", request.ContainerId);
                return;
            }

            var code = await exec.Exited;

            // What the process wrote before it ended still goes out; a terminal held open by a
            // leftover child does not hold the answer.
            await Task.WhenAny(Task.WhenAll(pumps), Task.Delay(TimeSpan.FromSeconds(2)));
            await error.WriteAsync(code == 0 ? Status("Success", null) : ExitStatus(code), CancellationToken.None);
            await CloseAllAsync(streams.Values);
        }
    }

    /// <summary>
    /// Joins the container's stdio through its conmon's attach socket (SEQPACKET): conmon sends
    /// output as messages whose first byte names the stream (2 stdout, 3 stderr) and takes
    /// input as it comes; shutting down the sending side is end of input. Resizes go to conmon's
    /// ctl FIFO. Leaving (or the container ending) closes every stream; the container runs on.
    /// </summary>
    private async Task AttachAsync(HttpContext context, string token)
    {
        if (await TakeAsync<AttachStreamRequest>(context, token) is not { } request
            || await StartRemoteCommandAsync(context, request.Stdin, request.Stdout, request.Stderr, request.Tty, $"attach to {request.ContainerId}") is not var (session, streams))
        {
            return;
        }

        await using var owned = session;

        Socket socket;
        string bundle;
        try
        {
            (var path, bundle) = await runtime.AttachPointAsync(request.ContainerId, context.RequestAborted);
            socket = await UnixSockets.ConnectAsync(path, SocketType.Seqpacket, context.RequestAborted);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException or SocketException or IOException)
        {
            await streams["error"].WriteAsync(Status("Failure", $"cannot attach to container {request.ContainerId}: {e.Message}"), CancellationToken.None);
            await CloseAllAsync(streams.Values);
            return;
        }

        using (socket)
        {
            if (streams.TryGetValue("stdin", out var stdin))
            {
                _ = PumpToSocketAsync(stdin, socket);
            }

            if (streams.TryGetValue("resize", out var resize))
            {
                _ = ResizeAsync(resize, new SizeReader(), (width, height) => Conmon.RequestResize(bundle, width, height));
            }

            var output = Task.Run(async () =>
            {
                var buffer = new byte[8192 + 1];
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                    {
                        var target = buffer[0] == 3 ? streams.GetValueOrDefault("stderr") : streams.GetValueOrDefault("stdout");
                        if (target is not null)
                        {
                            await target.WriteAsync(buffer.AsMemory(1, n - 1), CancellationToken.None);
                        }
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });

            await Task.WhenAny(output, session.Completion);
        }

        await CloseAllAsync(streams.Values);
    }

    private async Task PortForwardAsync(HttpContext context, string token)
    {
        if (await TakeAsync<PortForwardStreamRequest>(context, token) is not { } request)
        {
            return;
        }

        string? netns;
        try
        {
            netns = runtime.NetnsPathOf(request.SandboxId);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, e.Message);
            return;
        }

        await using var session = await UpgradeAsync(context, PortForwardV1);
        if (session is null)
        {
            return;
        }

        // Each connection of the client is a pair of streams with one request id.
        var pairs = new Dictionary<string, (SpdyStream? Error, SpdyStream? Data)>();
        var forwards = new List<Task>();
        await foreach (var stream in session.Opened.ReadAllAsync(CancellationToken.None))
        {
            var id = stream.Header("requestid");
            var pair = pairs.GetValueOrDefault(id);
            pair = stream.Header("streamtype") == "error" ? pair with { Error = stream } : pair with { Data = stream };
            pairs[id] = pair;
            if (pair is { Error: { } errorStream, Data: { } dataStream })
            {
                pairs.Remove(id);
                forwards.Add(ForwardAsync(netns, errorStream, dataStream, request.SandboxId));
            }
        }

        await Task.WhenAll(forwards);
    }

    private async Task ForwardAsync(string? netns, SpdyStream error, SpdyStream data, string sandboxId)
    {
        if (!int.TryParse(data.Header("port"), out var port) || port is < 1 or > 65535)
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes($"invalid port \"{data.Header("port")}\""), CancellationToken.None);
            await CloseAllAsync([error, data]);
            return;
        }

        Socket socket;
        try
        {
            socket = netns is null
                ? await ConnectHostAsync(port)
                : await NetworkNamespace.ConnectLoopbackAsync(netns, port, CancellationToken.None);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes($"failed to connect to localhost:{port} in pod sandbox {sandboxId}: {e.Message}"), CancellationToken.None);
            await CloseAllAsync([error, data]);
            return;
        }

        using (socket)
        {
            await using var network = new NetworkStream(socket, ownsSocket: false);
            var toPod = PumpToSocketAsync(data, socket);
            await PumpOutAsync(network, data);
            await Task.WhenAny(toPod, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        await error.CloseAsync();
    }

    private static async Task<Socket> ConnectHostAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The request a token stands for; a 404 answered when there is none.</summary>
    private async Task<T?> TakeAsync<T>(HttpContext context, string token)
        where T : class
    {
        var request = requests.Take<T>(token);
        if (request is null)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, "unknown or expired streaming token");
        }

        return request;
    }

    /// <summary>
    /// The upgrade to remotecommand v4 and the streams the client opens for it: error always,
    /// then stdin, stdout, stderr (not with a tty) and resize (only with one), as asked.
    /// </summary>
    private async Task<(SpdySession Session, Dictionary<string, SpdyStream> Streams)?> StartRemoteCommandAsync(HttpContext context, bool stdin, bool stdout, bool stderr, bool tty, string what)
    {
        var session = await UpgradeAsync(context, RemoteCommandV4);
        if (session is null)
        {
            return null;
        }

        List<string> expected = ["error", .. new[] { ("stdin", stdin), ("stdout", stdout), ("stderr", stderr && !tty), ("resize", tty) }.Where(s => s.Item2).Select(s => s.Item1)];
        if (await CollectAsync(session, expected) is { } streams)
        {
            return (session, streams);
        }

        logger.LogWarning("{What}: the client did not open its streams in time", what);
        await session.DisposeAsync();
        return null;
    }

    /// <summary>Answers the SPDY upgrade with the one protocol version offered that Berth speaks.</summary>
    private static async Task<SpdySession?> UpgradeAsync(HttpContext context, string protocol)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !context.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "an upgrade to SPDY/3.1 is required");
            return null;
        }

        var offered = context.Request.Headers["X-Stream-Protocol-Version"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (!offered.Contains(protocol, StringComparer.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"none of the offered stream protocols ({string.Join(", ", offered)}) is supported; Berth speaks {protocol}");
            return null;
        }

        context.Response.Headers["X-Stream-Protocol-Version"] = protocol;
        context.Response.Headers.Upgrade = "SPDY/3.1";
        var session = new SpdySession(await upgrade.UpgradeAsync());
        session.Start();
        return session;
    }

    /// <summary>Waits until the client opened one stream of each expected type.</summary>
    private static async Task<Dictionary<string, SpdyStream>?> CollectAsync(SpdySession session, IReadOnlyCollection<string> expected)
    {
        var streams = new Dictionary<string, SpdyStream>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(StreamWait);
        try
        {
            while (streams.Count < expected.Count)
            {
                var stream = await session.Opened.ReadAsync(timeout.Token);
                var type = stream.Header("streamtype");
                if (expected.Contains(type))
                {
                    streams[type] = stream;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            return null;
        }

        return streams;
    }

    private static async Task PumpOutAsync(Stream source, SpdyStream target)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
            }
        }
        catch (IOException)
        {
            // A terminal reads EIO once its process is gone: that is its end.
        }
        catch (ObjectDisposedException)
        {
        }

        await target.CloseAsync();
    }

    private static async Task PumpInAsync(SpdyStream source, Stream target, bool closeAtEnd)
    {
        try
        {
            while (await source.ReadAsync(CancellationToken.None) is { } chunk)
            {
                await target.WriteAsync(chunk);
                await target.FlushAsync();
            }

            if (closeAtEnd)
            {
                target.Close();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process is gone.
        }
    }

    /// <summary>Terminal sizes from the resize stream, applied as they come.</summary>
    private static async Task ResizeAsync(SpdyStream source, SizeReader sizes, Action<ushort, ushort> apply)
    {
        while (await source.ReadAsync(CancellationToken.None) is { } chunk)
        {
            foreach (var (width, height) in sizes.Add(chunk))
            {
                apply(width, height);
            }
        }
    }

    /// <summary>What the client sends on a stream, to a socket; the stream's end shuts down the
    /// socket's sending side (end of input for conmon, a half-close for a pod's TCP port).</summary>
    private static async Task PumpToSocketAsync(SpdyStream source, Socket socket)
    {
        try
        {
            while (await source.ReadAsync(CancellationToken.None) is { } chunk)
            {
                await socket.SendAsync(chunk, SocketFlags.None);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other side is gone.
        }
    }

    private static async Task CloseAllAsync(IEnumerable<SpdyStream> streams)
    {
        foreach (var stream in streams)
        {
            await stream.CloseAsync();
        }
    }

    /// <summary>metav1.Status as remotecommand v4 reports the end of a command.</summary>
    private static byte[] Status(string status, string? message)
    {
        var json = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = status };
        if (message is not null)
        {
            json["message"] = message;
        }

        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    private static byte[] ExitStatus(int code) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"command terminated with non-zero exit code: exit status {code}",
        ["reason"] = "NonZeroExitCode",
        ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture) }) },
    }.ToJsonString());

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(message + "\n");
    }
}

/// <summary>The resize stream's terminal sizes: JSON objects {"Width": w, "Height": h} that may
/// arrive split or several in one frame.</summary>
internal sealed class SizeReader
{
    private readonly List<byte> pending = [];

    public IEnumerable<(ushort Width, ushort Height)> Add(byte[] chunk)
    {
        pending.AddRange(chunk);
        var sizes = new List<(ushort, ushort)>();
        while (pending.Count > 0)
        {
            var buffer = pending.ToArray();
            var reader = new Utf8JsonReader(buffer, isFinalBlock: false, default);
            try
            {
                if (!JsonDocument.TryParseValue(ref reader, out var document))
                {
                    break;
                }

                using (document)
                {
                    pending.RemoveRange(0, (int)reader.BytesConsumed);
                    var root = document.RootElement;
                    if (root.ValueKind == JsonValueKind.Object
                        && root.TryGetProperty("Width", out var w) && w.TryGetUInt16(out var width)
                        && root.TryGetProperty("Height", out var h) && h.TryGetUInt16(out var height))
                    {
                        sizes.Add((width, height));
                    }
                }
            }
            catch (JsonException)
            {
                pending.Clear(); // not a size: dropped
            }
        }

        return sizes;
    }
}
