using Berth.Images.Registry;

namespace Berth.Images;

/// <summary>
/// How a <see cref="LocalImageStore"/> stores and where it pulls from: the agent fills this from
/// its flags and config file.
/// </summary>
public sealed record ImageStoreOptions
{
    public string Root { get; init; } = LocalImageStore.DefaultRoot;

    /// <summary>
    /// Registries to ask instead of others, tried in order before the registry a name points at:
    /// an offline node reaches "registry.k8s.io/pause:3.10" through a local registry.
    /// </summary>
    public IReadOnlyList<RegistryMirror> Mirrors { get; init; } = [];

    /// <summary>
    /// Registry hosts ("host" or "host:port") spoken to over plain HTTP. Loopback hosts
    /// (localhost, 127.0.0.0/8, ::1) always are; a mirror's scheme is its own.
    /// </summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>A docker-style auth.json ({"auths": {"host": {"auth": base64(user:pass)}}}); null for none.</summary>
    public string? AuthFile { get; init; }

    /// <summary>PEM files of certificate authorities trusted for registries besides the system's.</summary>
    public IReadOnlyList<string> TrustedCaFiles { get; init; } = [];

    /// <summary>Blobs fetched at once by one store, across all pulls.</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;

    /// <summary>Which image of a multi-platform index this node runs.</summary>
    public Platform Platform { get; init; } = Platform.Host;

    /// <summary>How long one registry request may wait for a response to start.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Pull images of <paramref name="Host"/> from <paramref name="Endpoint"/>: the registry host is
/// replaced, the repository path kept ("registry.k8s.io/pause:3.10" → "&lt;endpoint&gt;/v2/pause/manifests/3.10").
/// </summary>
/// <param name="Host">A registry as names spell it: "registry.k8s.io", "docker.io", "localhost:5000".</param>
/// <param name="Endpoint">"http://127.0.0.1:5000" or "https://mirror.example"; a path is a prefix before /v2/.</param>
public sealed record RegistryMirror(string Host, Uri Endpoint)
{
    /// <summary>"HOST=URL", the form of the agent's --registry-mirror flag.</summary>
    /// <exception cref="FormatException">Not HOST=URL with an absolute http or https URL.</exception>
    public static RegistryMirror Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0
            || !Uri.TryCreate(text[(equals + 1)..], UriKind.Absolute, out var endpoint)
            || endpoint.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"invalid registry mirror \"{text}\": expected HOST=URL, e.g. registry.k8s.io=http://127.0.0.1:5000");
        }

        return new RegistryMirror(text[..equals], endpoint);
    }

    /// <summary>Whether this mirror stands in for <paramref name="registry"/>; Docker Hub's aliases count as docker.io.</summary>
    public bool Serves(string registry) =>
        string.Equals(RegistryHosts.Normalize(Host), RegistryHosts.Normalize(registry), StringComparison.OrdinalIgnoreCase);
}

/// <summary>A user name and password (or token) for one registry.</summary>
/// <param name="RegistryToken">A bearer token to send as it is, as CRI's AuthConfig.registry_token.</param>
public sealed record RegistryCredentials(string Username, string Password, string? RegistryToken = null)
{
    /// <summary>"user:password", the form of the CLI's --creds.</summary>
    public static RegistryCredentials Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0
            ? throw new FormatException("credentials must be USER:PASSWORD")
            : new RegistryCredentials(text[..colon], text[(colon + 1)..]);
    }

    // Never print the secret in logs or exceptions.
    public override string ToString() => $"{Username}:***";
}

/// <summary>What one pull may add to the store's options.</summary>
public sealed record PullOptions
{
    public static readonly PullOptions Default = new();

    /// <summary>
    /// Credentials for the image's registry, ahead of the auth file: what CRI's PullImage carries
    /// from a pod's imagePullSecrets.
    /// </summary>
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Null: the store's platform.</summary>
    public Platform? Platform { get; init; }
}
