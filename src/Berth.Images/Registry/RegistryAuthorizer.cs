using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Berth.Images.Registry;

/// <summary>One repository on one endpoint, with the credentials to present there.</summary>
internal sealed record RegistryRepository(RegistryEndpoint Endpoint, ImageReference Reference, RegistryCredentials? Credentials)
{
    /// <summary>Who was refused, for messages: never the secret.</summary>
    public string Who =>
        Credentials is { Username.Length: > 0 } c ? $" (user \"{c.Username}\")" : Credentials is not null ? " (a registry token)" : "";
}

/// <summary>
/// Answers registries' 401 challenges: basic credentials, a registry token given as it is, or a
/// bearer token fetched from the challenge's realm. What it answered is kept per endpoint and
/// repository and sent up front until the registry answers 401 again.
/// </summary>
internal sealed class RegistryAuthorizer(HttpClient http, TimeSpan requestTimeout)
{
    private readonly ConcurrentDictionary<string, AuthenticationHeaderValue> _authorizations = new(StringComparer.Ordinal);

    public AuthenticationHeaderValue? Cached(RegistryRepository repository) => _authorizations.GetValueOrDefault(Key(repository));

    public void Forget(RegistryRepository repository) => _authorizations.TryRemove(Key(repository), out _);

    /// <summary>The authorization that answers <paramref name="challenge"/>, remembered for the next requests.</summary>
    /// <param name="said">What the registry said with its 401, for the messages.</param>
    public async Task<AuthenticationHeaderValue> AuthorizeAsync(RegistryRepository repository, AuthenticationHeaderValue? challenge, string said, CancellationToken ct)
    {
        var authorization = await AnswerAsync(repository, challenge, said, ct);
        _authorizations[Key(repository)] = authorization;
        return authorization;
    }

    private static string Key(RegistryRepository repository) => $"{repository.Endpoint.Authority}/{repository.Reference.RemoteName}";

    private async Task<AuthenticationHeaderValue> AnswerAsync(RegistryRepository repository, AuthenticationHeaderValue? challenge, string said, CancellationToken ct)
    {
        var (endpoint, reference, credentials) = (repository.Endpoint, repository.Reference, repository.Credentials);
        if (challenge is null)
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{endpoint} refused access to {reference.RemoteName} without saying how to authenticate: {said}");
        }

        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            return credentials is { Username.Length: > 0 }
                ? Basic(credentials)
                : throw new RegistryException(RegistryErrorKind.Unauthorized, $"{endpoint} requires authentication for {reference.RemoteName} ({said}); give credentials (berth image pull --creds USER:PASSWORD, or the agent's auth file)");
        }

        if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{endpoint} asks for {challenge.Scheme} authentication, which Berth does not speak");
        }

        if (credentials?.RegistryToken is { Length: > 0 } token)
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }

        var parameters = BearerChallenge.Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
        {
            throw new RegistryException(RegistryErrorKind.Unauthorized, $"{endpoint} sent a bearer challenge without a usable realm: {challenge}");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, BearerChallenge.TokenUri(realmUri, parameters, reference.RemoteName));
        if (credentials is { Username.Length: > 0 })
        {
            request.Headers.Authorization = Basic(credentials);
        }

        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(requestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, headers.Token);
        }
        catch (HttpRequestException e)
        {
            throw RegistryErrors.Unreachable(new RegistryEndpoint(new Uri(realmUri.GetLeftPart(UriPartial.Authority)), IsMirror: false), e);
        }

        using (response)
        {
            var service = realmUri.GetLeftPart(UriPartial.Path);
            if (!response.IsSuccessStatusCode)
            {
                var reason = await RegistryErrors.TextAsync(response, ct);
                throw new RegistryException(
                    RegistryErrorKind.Unauthorized,
                    credentials is null
                        ? $"{endpoint} requires authentication for {reference.RemoteName}: its token service {service} said {reason}; give credentials (berth image pull --creds USER:PASSWORD, or the agent's auth file)"
                        : $"the token service {service} of {endpoint} rejected the credentials{repository.Who}: {reason}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            foreach (var name in new[] { "token", "access_token" })
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } bearer)
                {
                    return new AuthenticationHeaderValue("Bearer", bearer);
                }
            }

            throw new RegistryException(RegistryErrorKind.Unauthorized, $"the token service {service} answered without a token");
        }
    }

    private static AuthenticationHeaderValue Basic(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
}
