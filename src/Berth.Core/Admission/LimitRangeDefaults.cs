using k8s;
using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>
/// The API server's defaulting of a stored LimitRange (SetDefaults_LimitRangeItem in
/// pkg/apis/core/v1/defaults.go), which runs before it is validated and before the plugin ever
/// reads it. For type Container only: a missing default limit takes the max, a missing default
/// request takes the default limit, else the min. So `max: {cpu: 1}` alone gives every container
/// a 1-cpu limit and request.
/// </summary>
public static class LimitRangeDefaults
{
    public const string Container = "Container";
    public const string Pod = "Pod";
    public const string PersistentVolumeClaim = "PersistentVolumeClaim";

    /// <summary>A defaulted copy; the input is not changed.</summary>
    public static V1LimitRange Apply(V1LimitRange range)
    {
        var copy = KubernetesJson.Deserialize<V1LimitRange>(KubernetesJson.Serialize(range), null);
        foreach (var item in copy.Spec?.Limits ?? [])
        {
            if (item.Type != Container)
            {
                continue;
            }

            item.DefaultProperty ??= new Dictionary<string, ResourceQuantity>();
            item.DefaultRequest ??= new Dictionary<string, ResourceQuantity>();
            FillMissing(item.DefaultProperty, item.Max);
            FillMissing(item.DefaultRequest, item.DefaultProperty);
            FillMissing(item.DefaultRequest, item.Min);
        }

        return copy;
    }

    private static void FillMissing(IDictionary<string, ResourceQuantity> target, IDictionary<string, ResourceQuantity>? source)
    {
        foreach (var (name, quantity) in source ?? new Dictionary<string, ResourceQuantity>())
        {
            // Shared within the copy: a ResourceQuantity is never changed in place.
            target.TryAdd(name, quantity);
        }
    }
}
