using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// A container's requests and limits after the API server's defaulting: a resource that has a
/// limit but no request gets the limit as its request (pkg/apis/core/v1/defaults.go,
/// SetDefaults_Pod). Berth applies it because its manifests never pass through an API server.
/// </summary>
public sealed record ContainerResources(ResourceList Requests, ResourceList Limits)
{
    public static ContainerResources Of(V1Container container)
    {
        var requests = ResourceList.From(container.Resources?.Requests);
        var limits = ResourceList.From(container.Resources?.Limits);
        foreach (var (name, limit) in limits.Entries)
        {
            requests.SetIfMissing(name, limit);
        }

        return new ContainerResources(requests, limits);
    }

    public static bool IsRestartableInit(V1Container container) => container.RestartPolicy == "Always";
}
