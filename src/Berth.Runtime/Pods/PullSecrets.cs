using System.Text;
using System.Text.Json;
using Berth.Images;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// The kubelet's imagePullSecrets: the pod names Secrets of type kubernetes.io/dockerconfigjson
/// (or the older kubernetes.io/dockercfg) in its namespace; the first one holding an entry for
/// the image's registry gives the credentials for the pull.
/// </summary>
public static class PullSecrets
{
    public const string DockerConfigJson = "kubernetes.io/dockerconfigjson";
    public const string DockerCfg = "kubernetes.io/dockercfg";

    /// <param name="missing">Names the pod refers to that are not among <paramref name="secrets"/>.</param>
    public static RegistryCredentials? For(string registry, V1Pod pod, string podNamespace, IReadOnlyList<V1Secret> secrets, out IReadOnlyList<string> missing)
    {
        var notFound = new List<string>();
        missing = notFound;
        foreach (var reference in pod.Spec.ImagePullSecrets ?? [])
        {
            var secret = secrets.FirstOrDefault(s => s.Metadata?.Name == reference.Name && (s.Metadata.NamespaceProperty ?? "default") == podNamespace);
            if (secret is null)
            {
                notFound.Add(reference.Name);
                continue;
            }

            if (Find(registry, secret) is { } credentials)
            {
                return credentials;
            }
        }

        return null;
    }

    private static RegistryCredentials? Find(string registry, V1Secret secret)
    {
        var (key, wrapped) = secret.Type switch
        {
            DockerConfigJson => (".dockerconfigjson", true),
            DockerCfg => (".dockercfg", false),
            _ => (null, false),
        };
        var bytes = key is null ? null
            : secret.Data?.TryGetValue(key, out var data) == true ? data
            : secret.StringData?.TryGetValue(key, out var text) == true ? Encoding.UTF8.GetBytes(text)
            : null;
        if (bytes is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(bytes);
        var auths = wrapped ? json.RootElement.GetProperty("auths") : json.RootElement;
        foreach (var entry in auths.EnumerateObject())
        {
            if (!Matches(entry.Name, registry))
            {
                continue;
            }

            var auth = entry.Value;
            if (auth.TryGetProperty("username", out var user) && auth.TryGetProperty("password", out var password))
            {
                return new RegistryCredentials(user.GetString() ?? "", password.GetString() ?? "");
            }

            if (auth.TryGetProperty("auth", out var encoded) && Encoding.UTF8.GetString(Convert.FromBase64String(encoded.GetString() ?? "")).Split(':', 2) is [var u, var p])
            {
                return new RegistryCredentials(u, p);
            }
        }

        return null;
    }

    /// <summary>An auths key may be "host", "host:port", or a URL of it ("https://host/v1/").</summary>
    private static bool Matches(string key, string registry)
    {
        var host = key.Contains("://", StringComparison.Ordinal) ? new Uri(key).Authority : key.Split('/')[0];
        return string.Equals(host, registry, StringComparison.OrdinalIgnoreCase)
            || (registry == "docker.io" && host is "index.docker.io" or "registry-1.docker.io");
    }
}
