using Berth.Cri.Streaming.PortForward;
using Berth.Cri.Streaming.RemoteCommand;
using Berth.Runtime;
using Berth.Runtime.Streams;
using Berth.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Cri.Streaming;

/// <summary>
/// The streaming server behind CRI's Exec, Attach and PortForward (and `berth exec -it`), like the
/// kubelet's (pkg/kubelet/cri/streaming): plain HTTP on a loopback port, where the URL's one-time
/// token names the request and the client upgrades to SPDY/3.1. Then remotecommand
/// (<see cref="ExecHandler"/>, <see cref="AttachHandler"/>) or port-forward
/// (<see cref="PortForwardHandler"/>) takes the session.
/// </summary>
public sealed class StreamingServer(StreamingRequests requests, ExecHandler exec, AttachHandler attach, PortForwardHandler portForward, IServer server)
{
    private const string Spdy = "SPDY/3.1";

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
        if (await TakeAsync<ExecStreamRequest>(context, token) is { } request
            && await UpgradeAsync(context, StreamProtocols.RemoteCommandV4) is { } session)
        {
            await using (session)
            {
                await exec.ServeAsync(session, request, context.RequestAborted);
            }
        }
    }

    private async Task AttachAsync(HttpContext context, string token)
    {
        if (await TakeAsync<AttachStreamRequest>(context, token) is { } request
            && await UpgradeAsync(context, StreamProtocols.RemoteCommandV4) is { } session)
        {
            await using (session)
            {
                await attach.ServeAsync(session, request, context.RequestAborted);
            }
        }
    }

    private async Task PortForwardAsync(HttpContext context, string token)
    {
        if (await TakeAsync<PortForwardStreamRequest>(context, token) is not { } request)
        {
            return;
        }

        // An unknown sandbox is refused before the upgrade, as a 404.
        IPodPorts ports;
        try
        {
            ports = portForward.PortsOf(request);
        }
        catch (Exception e) when (e is NotFoundException or PreconditionException)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, e.Message);
            return;
        }

        if (await UpgradeAsync(context, StreamProtocols.PortForwardV1) is { } session)
        {
            await using (session)
            {
                await portForward.ServeAsync(session, ports, request);
            }
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

    /// <summary>Answers the SPDY upgrade with the one protocol version offered that Berth speaks.</summary>
    private static async Task<SpdySession?> UpgradeAsync(HttpContext context, string protocol)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true } || !context.Request.Headers.Upgrade.ToString().Contains(Spdy, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"an upgrade to {Spdy} is required");
            return null;
        }

        var offered = context.Request.Headers[StreamProtocols.VersionHeader].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (!offered.Contains(protocol, StringComparer.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, $"none of the offered stream protocols ({string.Join(", ", offered)}) is supported; Berth speaks {protocol}");
            return null;
        }

        context.Response.Headers[StreamProtocols.VersionHeader] = protocol;
        context.Response.Headers.Upgrade = Spdy;
        var session = new SpdySession(await upgrade.UpgradeAsync());
        session.Start();
        return session;
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(message + "\n");
    }
}
