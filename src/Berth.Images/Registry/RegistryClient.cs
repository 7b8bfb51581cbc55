using System.Net;
using System.Net.Http.Headers;

namespace Berth.Images.Registry;

/// <summary>
/// The client side of the OCI distribution API that pulling needs, over HTTPS or plain HTTP,
/// behind basic or bearer-token authentication. One per store; it keeps connections and tokens
/// across pulls. Hosts, trust, authorization and fetching live in their own classes; this ties
/// them to one HTTP client.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private readonly ImageStoreOptions _options;
    private readonly HttpClient _http;
    private readonly RegistryHosts _hosts;
    private readonly RegistryAuthorizer _authorizer;

    public RegistryClient(ImageStoreOptions options)
    {
        _options = options;
        _hosts = new RegistryHosts(options.Mirrors, options.InsecureRegistries);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new RegistryTrust(options.TrustedCaFiles).ClientOptions(),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("berth", "1"));
        _authorizer = new RegistryAuthorizer(_http, options.RequestTimeout);
    }

    /// <summary>Mirrors for the reference's registry in their configured order, then the registry itself.</summary>
    public IReadOnlyList<RegistryEndpoint> EndpointsFor(ImageReference reference) => _hosts.EndpointsFor(reference);

    /// <summary>A fetcher for the reference's repository on <paramref name="endpoint"/>; credentials default to the auth file's.</summary>
    public RegistryFetcher Open(RegistryEndpoint endpoint, ImageReference reference, RegistryCredentials? credentials)
    {
        credentials ??= _options.AuthFile is { } file
            ? AuthFile.Find(file, endpoint.Authority, reference.RemoteName) ?? AuthFile.Find(file, reference.Registry, reference.RemoteName)
            : null;
        return new RegistryFetcher(this, new RegistryRepository(endpoint, reference, credentials));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Sends with what authorized the repository before; on a 401, answers the challenge and sends once more.</summary>
    internal async Task<HttpResponseMessage> SendAsync(RegistryRepository repository, Func<HttpRequestMessage> build, CancellationToken ct)
    {
        var response = await SendOnceAsync(repository.Endpoint, build, _authorizer.Cached(repository), ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        var said = await RegistryErrors.TextAsync(response, ct);
        response.Dispose();
        var authorization = await _authorizer.AuthorizeAsync(repository, challenge, said, ct);
        response = await SendOnceAsync(repository.Endpoint, build, authorization, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            said = await RegistryErrors.TextAsync(response, ct);
            response.Dispose();
            _authorizer.Forget(repository);
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{repository.Endpoint} rejected the credentials for {repository.Reference.RemoteName}{repository.Who}: {said}");
        }

        return response;
    }

    private async Task<HttpResponseMessage> SendOnceAsync(RegistryEndpoint endpoint, Func<HttpRequestMessage> build, AuthenticationHeaderValue? authorization, CancellationToken ct)
    {
        using var request = build();
        request.Headers.Authorization = authorization;
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(_options.RequestTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new RegistryException(RegistryErrorKind.Unavailable, $"{endpoint} did not answer {request.Method} {request.RequestUri!.AbsolutePath} within {_options.RequestTimeout.TotalSeconds:0}s");
        }
        catch (HttpRequestException e)
        {
            throw RegistryErrors.Unreachable(endpoint, e);
        }
    }
}
