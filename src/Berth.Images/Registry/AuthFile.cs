using System.Text;
using System.Text.Json;

namespace Berth.Images.Registry;

/// <summary>
/// Credentials from a docker-style auth.json (docker's config.json, podman's auth.json):
/// {"auths": {"host[:port][/path]": {"auth": base64("user:password")}}}, also with "username" and
/// "password" fields, and keys written as URLs ("https://index.docker.io/v1/").
/// </summary>
internal static class AuthFile
{
    /// <summary>
    /// The entry for <paramref name="host"/> and the repository <paramref name="remoteName"/>: the
    /// longest key that is the host or the host with a leading part of the repository path.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or an entry is malformed.</exception>
    public static RegistryCredentials? Find(string path, string host, string remoteName)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("auths", out var auths)
                || auths.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var wanted = RegistryHosts.Normalize(host);
            var repository = $"{wanted}/{remoteName}";
            RegistryCredentials? best = null;
            var bestLength = -1;
            foreach (var entry in auths.EnumerateObject())
            {
                var key = KeyOf(entry.Name);
                var matches = key == wanted || repository.StartsWith(key + "/", StringComparison.Ordinal);
                if (matches && key.Length > bestLength && Read(path, entry) is { } credentials)
                {
                    best = credentials;
                    bestLength = key.Length;
                }
            }

            return best;
        }
    }

    /// <summary>"https://index.docker.io/v1/" → "docker.io"; "https://host:5000" → "host:5000".</summary>
    private static string KeyOf(string key)
    {
        var text = key;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        text = text.TrimEnd('/');
        var slash = text.IndexOf('/');
        var host = slash < 0 ? text : text[..slash];
        var rest = slash < 0 ? "" : text[slash..];

        // Docker's legacy key for Docker Hub ends in "/v1/": that path is an API version, not a repository.
        if (rest is "/v1" or "/v2")
        {
            rest = "";
        }

        return RegistryHosts.Normalize(host) + rest;
    }

    private static RegistryCredentials? Read(string path, JsonProperty entry)
    {
        var value = entry.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (value.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.String && auth.GetString() is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new InvalidDataException($"{path}: auths.\"{entry.Name}\".auth is not base64");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0
                ? throw new InvalidDataException($"{path}: auths.\"{entry.Name}\".auth does not decode to user:password")
                : new RegistryCredentials(decoded[..colon], decoded[(colon + 1)..]);
        }

        var username = value.TryGetProperty("username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var password = value.TryGetProperty("password", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var token = value.TryGetProperty("registrytoken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return username is not null && password is not null ? new RegistryCredentials(username, password, token)
            : token is not null ? new RegistryCredentials("", "", token)
            : null;
    }
}
