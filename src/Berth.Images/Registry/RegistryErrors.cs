using System.Net;
using System.Security.Authentication;
using System.Text.Json;

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

/// <summary>
/// Failed registry responses turned into <see cref="RegistryException"/>: the distribution spec's
/// error document (<c>{"errors": [{"code", "message", "detail"}]}</c>) read for the registry's own words.
/// </summary>
internal static class RegistryErrors
{
    /// <summary>The registry's own words for a failed response: its error codes and messages.</summary>
    public static async Task<string> TextAsync(HttpResponseMessage response, CancellationToken ct)
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

        return Describe(body, $"{(int)response.StatusCode} {response.ReasonPhrase}");
    }

    /// <summary>"CODE: message" for each error of the document, else the status line.</summary>
    public static string Describe(string body, string status)
    {
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

    /// <summary>What a failed status means to a caller deciding whether another endpoint may help.</summary>
    public static RegistryErrorKind KindOf(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => RegistryErrorKind.NotFound,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => RegistryErrorKind.Unauthorized,
        >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests => RegistryErrorKind.Unavailable,
        _ => RegistryErrorKind.Invalid,
    };

    /// <summary>Throws unless the response succeeded, saying what was asked and what the registry said.</summary>
    public static async Task ThrowIfFailedAsync(HttpResponseMessage response, RegistryEndpoint endpoint, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var said = await TextAsync(response, ct);
        throw new RegistryException(KindOf(response.StatusCode), $"{endpoint}: {what}: {said}");
    }

    public static RegistryException Unreachable(RegistryEndpoint endpoint, Exception e)
    {
        var inner = e.InnerException;
        var reason = inner is AuthenticationException
            ? $"TLS with {endpoint.Authority} failed ({inner.Message}); trust its certificate authority with the store's TrustedCaFiles, or list it as an insecure registry to use plain HTTP"
            : $"{e.Message}{(inner is null ? "" : $" ({inner.Message})")}";
        return new RegistryException(RegistryErrorKind.Unavailable, $"cannot reach {endpoint}: {reason}", e);
    }
}
