using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// KEP-2837 pod-level resources (<c>spec.resources</c>): cpu and memory requests and limits for
/// the pod as a whole. Where the pod sets a resource it overrides the containers' aggregate for
/// the pod cgroup, the QoS class and admission; where it does not, the containers decide.
/// Requests are defaulted as the API server does: a pod-level limit without a request gets the
/// containers' aggregate request when any container requests that resource, else the limit.
/// </summary>
public static class PodLevelResources
{
    /// <summary>The resources a pod may set at pod level.</summary>
    public static readonly IReadOnlyList<string> Supported = [ResourceList.Cpu, ResourceList.Memory];

    public static bool IsSet(V1PodSpec spec) =>
        spec.Resources is { } r && ((r.Requests?.Count ?? 0) > 0 || (r.Limits?.Count ?? 0) > 0);

    /// <summary>Whether the pod sets this resource (a request or a limit) at pod level.</summary>
    public static bool Sets(V1PodSpec spec, string resource) =>
        spec.Resources is { } r && ((r.Requests?.ContainsKey(resource) ?? false) || (r.Limits?.ContainsKey(resource) ?? false));

    /// <summary>The pod-level limits as given (cpu and memory only).</summary>
    public static ResourceList Limits(V1PodSpec spec) => Only(ResourceList.From(spec.Resources?.Limits));

    /// <summary>The pod-level requests after defaulting (cpu and memory only).</summary>
    public static ResourceList Requests(V1PodSpec spec)
    {
        var requests = Only(ResourceList.From(spec.Resources?.Requests));
        var containers = PodResources.ContainerRequests(spec);
        foreach (var (name, limit) in Limits(spec).Entries)
        {
            requests.SetIfMissing(name, containers[name] > 0 ? containers[name] : limit);
        }

        return requests;
    }

    private static ResourceList Only(ResourceList list)
    {
        var supported = new ResourceList();
        foreach (var (name, value) in list.Entries.Where(e => Supported.Contains(e.Key)))
        {
            supported.SetIfMissing(name, value);
        }

        return supported;
    }
}
