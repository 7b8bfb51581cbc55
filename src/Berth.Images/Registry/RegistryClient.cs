using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Images.Registry;

/// <summary>Why a registry would not give what was asked.</summary>
public enum RegistryErrorKind
{
    /// <summary>Authentication was required and missing, or the credentials were rejected.</summary>
    Unauthorized,

    /// <summary>No such repository, tag, manifest or blob.</summary>
    NotFound,

    /// <summary>The registry could not be reached or failed (network, TLS, 5xx).</summary>
    Unavailable,

    /// <summary>The registry answered with something that is not a usable image.</summary>
    Invalid,
}

/// <summary>A registry request failed; the message names the registry and what it said.</summary>
public sealed class RegistryException(RegistryErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public RegistryErrorKind Kind { get; } = kind;
}

/// <summary>Where one registry's API is reached: the registry itself or a mirror standing in for it.</summary>
internal sealed record RegistryEndpoint(Uri BaseUri, bool IsMirror)
{
    public string Authority => BaseUri.Authority;

    public Uri Api(string path) => new(BaseUri, $"{BaseUri.AbsolutePath.TrimEnd('/')}/v2/{path}");

    public override string ToString() => BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
}

/// <summary>A manifest or index as a registry served it, verified against its digest.</summary>
internal sealed record FetchedManifest(byte[] Content, string MediaType, Digest Digest);

/// <summary>
/// The client side of the OCI distribution API that pulling needs: manifests and blobs over HTTPS
/// or plain HTTP, behind basic or bearer-token authentication. One per store; it keeps
/// connections and tokens across pulls.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    private const long MaxManifestBytes = 4 << 20;

    private readonly ImageStoreOptions _options;
    private readonly HttpClient _http;
    private readonly X509Certificate2Collection _trusted = [];

    // Authorization by endpoint and repository, reused until a registry answers 401 again.
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> _authorizations = new(StringComparer.Ordinal);

    public RegistryClient(ImageStoreOptions options)
    {
        _options = options;
        foreach (var file in options.TrustedCaFiles)
        {
            _trusted.ImportFromPemFile(file);
        }

        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("berth", "1"));
    }

    /// <summary>Mirrors for the reference's registry in their configured order, then the registry itself.</summary>
    public IReadOnlyList<RegistryEndpoint> EndpointsFor(ImageReference reference)
    {
        var endpoints = _options.Mirrors.Where(m => m.Serves(reference.Registry)).Select(m => new RegistryEndpoint(m.Endpoint, IsMirror: true)).ToList();
        var host = reference.Registry == ImageReference.DefaultRegistry ? "registry-1.docker.io" : reference.Registry;
        var scheme = IsPlainHttp(reference.Registry) ? "http" : "https";
        endpoints.Add(new RegistryEndpoint(new Uri($"{scheme}://{host}/"), IsMirror: false));
        return endpoints;
    }

    public RegistrySession Open(RegistryEndpoint endpoint, ImageReference reference, RegistryCredentials? credentials)
    {
        credentials ??= _options.AuthFile is { } file
            ? AuthFile.Find(file, endpoint.Authority, reference.RemoteName) ?? AuthFile.Find(file, reference.Registry, reference.RemoteName)
            : null;
        return new RegistrySession(this, endpoint, reference, credentials);
    }

    public void Dispose() => _http.Dispose();

    internal async Task<HttpResponseMessage> SendAsync(RegistrySession session, Func<HttpRequestMessage> build, CancellationToken ct)
    {
        var key = $"{session.Endpoint.Authority}/{session.Reference.RemoteName}";
        var response = await SendOnceAsync(session, build, _authorizations.GetValueOrDefault(key), ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        var said = await ErrorTextAsync(response, ct);
        response.Dispose();
        var authorization = await AuthorizeAsync(session, challenge, said, ct);
        _authorizations[key] = authorization;
        response = await SendOnceAsync(session, build, authorization, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            said = await ErrorTextAsync(response, ct);
            response.Dispose();
            _authorizations.TryRemove(key, out _);
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{session.Endpoint} rejected the credentials for {session.Reference.RemoteName}{Who(session)}: {said}");
        }

        return response;
    }

    /// <summary>The registry's own words for a failed response: its error codes and messages.</summary>
    internal static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException)
        {
            body = "";
        }

        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array)
            {
                var parts = errors.EnumerateArray()
                    .Select(e => $"{Text(e, "code")}: {Text(e, "message")}".Trim(' ', ':'))
                    .Where(t => t.Length > 0)
                    .ToList();
                if (parts.Count > 0)
                {
                    return string.Join("; ", parts);
                }
            }
        }
        catch (JsonException)
        {
            // Not the registry error format: the status line says enough.
        }

        return status;

        static string Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
    }

    internal static long MaxManifestSize => MaxManifestBytes;

    private static string Who(RegistrySession session) =>
        session.Credentials is { Username.Length: > 0 } c ? $" (user \"{c.Username}\")" : session.Credentials is not null ? " (a registry token)" : "";

    private async Task<HttpResponseMessage> SendOnceAsync(RegistrySession session, Func<HttpRequestMessage> build, AuthenticationHeaderValue? authorization, CancellationToken ct)
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
            throw new RegistryException(RegistryErrorKind.Unavailable, $"{session.Endpoint} did not answer {request.Method} {request.RequestUri!.AbsolutePath} within {_options.RequestTimeout.TotalSeconds:0}s");
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(session.Endpoint, e);
        }
    }

    internal static RegistryException Unreachable(RegistryEndpoint endpoint, Exception e)
    {
        var inner = e.InnerException;
        var reason = inner is AuthenticationException
            ? $"TLS with {endpoint.Authority} failed ({inner.Message}); trust its certificate authority with the store's TrustedCaFiles, or list it as an insecure registry to use plain HTTP"
            : $"{e.Message}{(inner is null ? "" : $" ({inner.Message})")}";
        return new RegistryException(RegistryErrorKind.Unavailable, $"cannot reach {endpoint}: {reason}", e);
    }

    /// <summary>Answers a 401 challenge: basic credentials, or a bearer token from the realm it names.</summary>
    private async Task<AuthenticationHeaderValue> AuthorizeAsync(RegistrySession session, AuthenticationHeaderValue? challenge, string said, CancellationToken ct)
    {
        var credentials = session.Credentials;
        if (challenge is null)
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{session.Endpoint} refused access to {session.Reference.RemoteName} without saying how to authenticate: {said}");
        }

        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            return credentials is { Username.Length: > 0 }
                ? Basic(credentials)
                : throw new RegistryException(RegistryErrorKind.Unauthorized, $"{session.Endpoint} requires authentication for {session.Reference.RemoteName} ({said}); give credentials (berth image pull --creds USER:PASSWORD, or the agent's auth file)");
        }

        if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{session.Endpoint} asks for {challenge.Scheme} authentication, which Berth does not speak");
        }

        if (credentials?.RegistryToken is { Length: > 0 } token)
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }

        var parameters = ChallengeParameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{session.Endpoint} sent a bearer challenge without a usable realm: {challenge}");
        }

        var query = new StringBuilder();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(service));
        }

        var scope = parameters.TryGetValue("scope", out var challengeScope) ? challengeScope : $"repository:{session.Reference.RemoteName}:pull";
        query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(scope));
        var tokenUri = new UriBuilder(realmUri) { Query = query.ToString() }.Uri;

        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (credentials is { Username.Length: > 0 })
        {
            request.Headers.Authorization = Basic(credentials);
        }

        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, headers.Token);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(new RegistryEndpoint(new Uri(realmUri.GetLeftPart(UriPartial.Authority)), IsMirror: false), e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var reason = await ErrorTextAsync(response, ct);
                throw new RegistryException(
                    RegistryErrorKind.Unauthorized,
                    credentials is null
                        ? $"{session.Endpoint} requires authentication for {session.Reference.RemoteName}: its token service {realmUri.GetLeftPart(UriPartial.Path)} said {reason}; give credentials (berth image pull --creds USER:PASSWORD, or the agent's auth file)"
                        : $"the token service {realmUri.GetLeftPart(UriPartial.Path)} of {session.Endpoint} rejected the credentials{Who(session)}: {reason}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            foreach (var name in new[] { "token", "access_token" })
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } bearer)
                {
                    return new AuthenticationHeaderValue("Bearer", bearer);
                }
            }

            throw new RegistryException(RegistryErrorKind.Unauthorized, $"the token service {realmUri.GetLeftPart(UriPartial.Path)} answered without a token");
        }
    }

    private static AuthenticationHeaderValue Basic(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));

    /// <summary>realm="…",service="…",scope="…" as RFC 7235 auth-params, quoted or not.</summary>
    internal static Dictionary<string, string> ChallengeParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = text[i..equals].Trim();
            i = equals + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            result[name] = value.ToString().Trim();
        }

        return result;
    }

    private bool IsPlainHttp(string registry)
    {
        if (_options.InsecureRegistries.Any(r => string.Equals(r, registry, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var host = new Uri($"http://{registry}/").Host.Trim('[', ']');
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only an untrusted root can be fixed by the store's own authorities; a wrong name cannot.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _trusted.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}

/// <summary>One repository on one endpoint, with the credentials to present there.</summary>
internal sealed class RegistrySession(RegistryClient client, RegistryEndpoint endpoint, ImageReference reference, RegistryCredentials? credentials)
{
    public RegistryEndpoint Endpoint { get; } = endpoint;

    public ImageReference Reference { get; } = reference;

    public RegistryCredentials? Credentials { get; } = credentials;

    /// <summary>A manifest or index by tag or digest, verified against the digest when there is one.</summary>
    public async Task<FetchedManifest> GetManifestAsync(string tagOrDigest, CancellationToken ct)
    {
        var uri = Endpoint.Api($"{Reference.RemoteName}/manifests/{tagOrDigest}");
        using var response = await client.SendAsync(this, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in MediaTypes.Manifests)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return request;
        }, ct);
        await ThrowIfFailedAsync(response, $"manifest {Reference.RemoteName}:{tagOrDigest}", ct);
        if (response.Content.Headers.ContentLength > RegistryClient.MaxManifestSize)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: manifest {tagOrDigest} is larger than {RegistryClient.MaxManifestSize} bytes");
        }

        byte[] content;
        try
        {
            content = await response.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw RegistryClient.Unreachable(Endpoint, e);
        }

        Digest digest;
        if (Digest.TryParse(tagOrDigest, out var pinned))
        {
            digest = pinned;
            using var hash = pinned.NewHash();
            hash.AppendData(content);
            if (pinned.Finish(hash) is var actual && actual != pinned)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint} served content with digest {actual} for manifest {pinned}");
            }
        }
        else
        {
            digest = Digest.Of(content);
            if (response.Headers.TryGetValues("Docker-Content-Digest", out var values)
                && Digest.TryParse(values.FirstOrDefault(), out var said)
                && said.Algorithm == Digest.Sha256
                && said != digest)
            {
                throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint} says manifest {tagOrDigest} is {said}, but its content has digest {digest}");
            }
        }

        return new FetchedManifest(content, MediaTypeOf(response.Content.Headers.ContentType?.MediaType, content, tagOrDigest), digest);
    }

    /// <summary>A blob's response from <paramref name="offset"/> on; 206 when the registry honoured the range.</summary>
    public async Task<HttpResponseMessage> GetBlobAsync(Digest digest, long offset, CancellationToken ct)
    {
        var uri = Endpoint.Api($"{Reference.RemoteName}/blobs/{digest}");
        var response = await client.SendAsync(this, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }

            return request;
        }, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return response;
        }

        try
        {
            await ThrowIfFailedAsync(response, $"blob {digest}", ct);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }

    private async Task ThrowIfFailedAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var said = await RegistryClient.ErrorTextAsync(response, ct);
        var kind = response.StatusCode switch
        {
            HttpStatusCode.NotFound => RegistryErrorKind.NotFound,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => RegistryErrorKind.Unauthorized,
            >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests => RegistryErrorKind.Unavailable,
            _ => RegistryErrorKind.Invalid,
        };
        throw new RegistryException(kind, $"{Endpoint}: {what}: {said}");
    }

    /// <summary>The Content-Type, unless the registry sent a generic one: then the document's own mediaType or shape.</summary>
    private string MediaTypeOf(string? contentType, byte[] content, string tagOrDigest)
    {
        if (contentType is MediaTypes.DockerManifestV1 or MediaTypes.DockerManifestV1Signed)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: {Reference.RemoteName}:{tagOrDigest} has only a Docker schema 1 manifest, which Berth does not pull (it is deprecated; push the image again with a current client)");
        }

        if (MediaTypes.IsIndex(contentType) || MediaTypes.IsManifest(contentType))
        {
            return contentType!;
        }

        MediaTypeProbe? probe;
        try
        {
            probe = JsonSerializer.Deserialize(content, OciJson.Default.MediaTypeProbe);
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: manifest {tagOrDigest} is not JSON: {e.Message}");
        }

        return probe switch
        {
            { MediaType: { } type } when MediaTypes.IsIndex(type) || MediaTypes.IsManifest(type) => type,
            { Manifests: not null } => MediaTypes.OciIndex,
            { Config: not null } => MediaTypes.OciManifest,
            _ => throw new RegistryException(RegistryErrorKind.Invalid, $"{Endpoint}: {tagOrDigest} is a {contentType ?? "document"} that is neither an image manifest nor an index"),
        };
    }
}
