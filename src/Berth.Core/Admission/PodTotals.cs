using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>
/// A pod's requests and limits as the LimitRanger plugin totals them for type Pod (podRequests and
/// podLimits in plugin/pkg/admission/limitranger/admission.go): the app containers' sum, each
/// sidecar (restartable init container) added to it and to every later init container, then the
/// element-wise max with each init container. Values keep the format of the quantity they started
/// from, as Quantity.Add does, so messages print "2Gi" where the plugin does.
/// Pod-level resources (KEP-2837, spec.resources) replace the total for cpu and memory where the
/// pod sets them, as the plugin does with the PodLevelResources gate on (beta, on by default).
/// The plugin reads the spec only, never status, so in-place resizes do not enter here.
/// </summary>
public static class PodTotals
{
    public static Dictionary<string, FormattedQuantity> Requests(V1PodSpec spec) =>
        Total(spec, r => r?.Requests, spec.Resources?.Requests);

    public static Dictionary<string, FormattedQuantity> Limits(V1PodSpec spec) =>
        Total(spec, r => r?.Limits, spec.Resources?.Limits);

    /// <summary>A container's requests or limits, each read with Berth's parser.</summary>
    public static Dictionary<string, FormattedQuantity> Of(IDictionary<string, ResourceQuantity>? list)
    {
        var result = new Dictionary<string, FormattedQuantity>(StringComparer.Ordinal);
        foreach (var (name, quantity) in list ?? new Dictionary<string, ResourceQuantity>())
        {
            result[name] = FormattedQuantity.Of(quantity);
        }

        return result;
    }

    private static Dictionary<string, FormattedQuantity> Total(V1PodSpec spec,
        Func<V1ResourceRequirements?, IDictionary<string, ResourceQuantity>?> select, IDictionary<string, ResourceQuantity>? podLevel)
    {
        var total = new Dictionary<string, FormattedQuantity>(StringComparer.Ordinal);
        foreach (var container in spec.Containers ?? [])
        {
            Add(total, Of(select(container.Resources)));
        }

        var sidecars = new Dictionary<string, FormattedQuantity>(StringComparer.Ordinal);
        var initMax = new Dictionary<string, FormattedQuantity>(StringComparer.Ordinal);
        foreach (var container in spec.InitContainers ?? [])
        {
            var own = Of(select(container.Resources));
            Dictionary<string, FormattedQuantity> effective;
            if (ContainerResources.IsRestartableInit(container))
            {
                Add(total, own);
                Add(sidecars, own);
                effective = sidecars;
            }
            else
            {
                effective = new Dictionary<string, FormattedQuantity>(own, StringComparer.Ordinal);
                Add(effective, sidecars);
            }

            Max(initMax, effective);
        }

        Max(total, initMax);
        foreach (var (name, quantity) in podLevel ?? new Dictionary<string, ResourceQuantity>())
        {
            if (PodLevelResources.Supported.Contains(name))
            {
                total[name] = FormattedQuantity.Of(quantity);
            }
        }

        return total;
    }

    private static void Add(Dictionary<string, FormattedQuantity> list, Dictionary<string, FormattedQuantity> other)
    {
        foreach (var (name, quantity) in other)
        {
            list[name] = list.TryGetValue(name, out var value) ? value.Plus(quantity) : quantity;
        }
    }

    private static void Max(Dictionary<string, FormattedQuantity> list, Dictionary<string, FormattedQuantity> other)
    {
        foreach (var (name, quantity) in other)
        {
            if (!list.TryGetValue(name, out var value) || quantity.Value > value.Value)
            {
                list[name] = quantity;
            }
        }
    }
}
