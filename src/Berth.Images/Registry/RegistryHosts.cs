using System.Net;

namespace Berth.Images.Registry;

/// <summary>Where one registry's API is reached: the registry itself or a mirror standing in for it.</summary>
internal sealed record RegistryEndpoint(Uri BaseUri, bool IsMirror)
{
    public string Authority => BaseUri.Authority;

    public Uri Api(string path) => new(BaseUri, $"{BaseUri.AbsolutePath.TrimEnd('/')}/v2/{path}");

    public override string ToString() => BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
}

/// <summary>
/// Which endpoints serve a registry name, in the order to try them: the configured mirrors, then
/// the registry itself over HTTPS, or plain HTTP when it is listed as insecure or is a loopback host.
/// </summary>
internal sealed class RegistryHosts(IReadOnlyList<RegistryMirror> mirrors, IReadOnlyList<string> insecureRegistries)
{
    /// <summary>Where Docker Hub's API lives: "docker.io" names it but does not serve it.</summary>
    public const string DockerHubApiHost = "registry-1.docker.io";

    /// <summary>Docker Hub answers to several names; images and mirrors say "docker.io".</summary>
    public static string Normalize(string host) =>
        host.ToLowerInvariant() is "index.docker.io" or DockerHubApiHost or "registry.hub.docker.com" ? ImageReference.DefaultRegistry : host.ToLowerInvariant();

    /// <summary>Mirrors for the reference's registry in their configured order, then the registry itself.</summary>
    public IReadOnlyList<RegistryEndpoint> EndpointsFor(ImageReference reference)
    {
        var endpoints = mirrors.Where(m => m.Serves(reference.Registry)).Select(m => new RegistryEndpoint(m.Endpoint, IsMirror: true)).ToList();
        var host = reference.Registry == ImageReference.DefaultRegistry ? DockerHubApiHost : reference.Registry;
        var scheme = IsPlainHttp(reference.Registry) ? "http" : "https";
        endpoints.Add(new RegistryEndpoint(new Uri($"{scheme}://{host}/"), IsMirror: false));
        return endpoints;
    }

    public bool IsPlainHttp(string registry)
    {
        if (insecureRegistries.Any(r => string.Equals(r, registry, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var host = new Uri($"http://{registry}/").Host.Trim('[', ']');
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
