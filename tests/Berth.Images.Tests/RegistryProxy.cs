using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Berth.Images.Tests;

/// <summary>
/// A small HTTP proxy in front of a test registry that counts what clients ask for, and can ask
/// for a bearer token first (serving the token endpoint itself), slow a blob down, or drop the
/// connection halfway through one.
/// </summary>
internal sealed class RegistryProxy : IAsyncDisposable
{
    public const string Token = "proxy-token-123";

    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _cutsLeft;

    public RegistryProxy(Uri target)
    {
        _target = target;
        Port = TestRegistry.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public Uri Endpoint => new($"http://{Host}/");

    public ConcurrentQueue<(string Method, string Path, string? Range, string? Authorization)> Requests { get; } = new();

    /// <summary>Require "Bearer <see cref="Token"/>", handed out by /token to these basic credentials (null: to anyone).</summary>
    public bool RequireBearer { get; set; }

    public (string User, string Password)? TokenCredentials { get; set; }

    /// <summary>Blob responses are sent in 32 KiB pieces this far apart.</summary>
    public TimeSpan BlobDelay { get; set; }

    /// <summary>The next blob response (of this digest) stops after this many bytes, once.</summary>
    public void CutNextBlob(string digest, int afterBytes)
    {
        CutDigest = digest;
        CutAfter = afterBytes;
        Interlocked.Exchange(ref _cutsLeft, 1);
    }

    private string? CutDigest { get; set; }

    private int CutAfter { get; set; }

    public int Count(string method, string pathContains) => Requests.Count(r => r.Method == method && r.Path.Contains(pathContains, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopped.
        }

        _upstream.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.PathAndQuery;
        Requests.Enqueue((request.HttpMethod, request.Url.AbsolutePath, request.Headers["Range"], request.Headers["Authorization"]));
        try
        {
            if (request.Url.AbsolutePath == "/token")
            {
                var wanted = TokenCredentials is { } c ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.User}:{c.Password}")) : null;
                if (wanted is not null && request.Headers["Authorization"] != wanted)
                {
                    response.StatusCode = 401;
                    await WriteAsync(response, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token credentials\"}]}");
                    return;
                }

                await WriteAsync(response, $"{{\"token\":\"{Token}\"}}");
                return;
            }

            if (RequireBearer && request.Headers["Authorization"] != "Bearer " + Token)
            {
                var name = request.Url.AbsolutePath.StartsWith("/v2/", StringComparison.Ordinal) ? request.Url.AbsolutePath[4..] : "";
                var end = new[] { "/manifests/", "/blobs/" }.Select(m => name.IndexOf(m, StringComparison.Ordinal)).Where(i => i > 0).DefaultIfEmpty(name.Length).Min();
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://{Host}/token\",service=\"berth-test\",scope=\"repository:{name[..end]}:pull\"");
                await WriteAsync(response, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(_target, path));
            foreach (var header in new[] { "Accept", "Range" })
            {
                if (request.Headers.GetValues(header) is { } values)
                {
                    forward.Headers.TryAddWithoutValidation(header, values);
                }
            }

            using var upstream = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode = (int)upstream.StatusCode;
            foreach (var (name, values) in upstream.Headers.Concat(upstream.Content.Headers))
            {
                if (name is "Content-Length")
                {
                    response.ContentLength64 = long.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (name is "Content-Type")
                {
                    response.ContentType = values.First();
                }
                else if (name is not ("Transfer-Encoding" or "Connection" or "Date"))
                {
                    response.AddHeader(name, string.Join(",", values));
                }
            }

            var isBlob = request.Url.AbsolutePath.Contains("/blobs/sha256:", StringComparison.Ordinal);
            var cut = isBlob && CutDigest is { } digest && request.Url.AbsolutePath.EndsWith(digest, StringComparison.Ordinal)
                && Interlocked.Exchange(ref _cutsLeft, 0) == 1;
            await using var body = await upstream.Content.ReadAsStreamAsync();
            var buffer = new byte[32 << 10];
            long sent = 0;
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                if (cut && sent + read > CutAfter)
                {
                    await response.OutputStream.WriteAsync(buffer.AsMemory(0, (int)(CutAfter - sent)));
                    await response.OutputStream.FlushAsync();
                    response.Abort();
                    return;
                }

                await response.OutputStream.WriteAsync(buffer.AsMemory(0, read));
                sent += read;
                if (isBlob && BlobDelay > TimeSpan.Zero)
                {
                    await response.OutputStream.FlushAsync();
                    await Task.Delay(BlobDelay);
                }
            }

            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // The client went away, or was cut off on purpose.
            response.Abort();
        }
    }

    private static async Task WriteAsync(HttpListenerResponse response, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
