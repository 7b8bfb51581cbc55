using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Planning;

/// <summary>
/// A container's or pod's resources as exact decimals keyed by resource name, with the
/// arithmetic the kubelet uses on v1.ResourceList (add, element-wise max).
/// </summary>
public sealed class ResourceList
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";

    private readonly Dictionary<string, decimal> values = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, decimal>> Entries => values;

    public decimal this[string name] => values.GetValueOrDefault(name);

    public bool Contains(string name) => values.ContainsKey(name);

    /// <summary>Millicores rounded up, as Quantity.MilliValue().</summary>
    public long MilliCpu => (long)decimal.Ceiling(this[Cpu] * 1000m);

    /// <summary>Bytes rounded up, as Quantity.Value().</summary>
    public long MemoryBytes => (long)decimal.Ceiling(this[Memory]);

    /// <summary>Reads each quantity from its text with Berth's own parser (<see cref="Quantity"/>),
    /// the one that validated it, never the client library's numeric conversion.</summary>
    public static ResourceList From(IDictionary<string, ResourceQuantity>? quantities)
    {
        var list = new ResourceList();
        foreach (var (name, quantity) in quantities ?? new Dictionary<string, ResourceQuantity>())
        {
            list.values[name] = Of(quantity).Value;
        }

        return list;
    }

    /// <summary>A client-library quantity as Berth's, parsed from its string form (the canonical one:
    /// below a nano it rounds up, as Kubernetes' own Quantity does).</summary>
    public static Quantity Of(ResourceQuantity quantity) => Quantity.Parse(quantity.ToString());

    public ResourceList Clone()
    {
        var copy = new ResourceList();
        foreach (var (k, v) in values)
        {
            copy.values[k] = v;
        }

        return copy;
    }

    public void Add(ResourceList other)
    {
        foreach (var (k, v) in other.values)
        {
            values[k] = values.GetValueOrDefault(k) + v;
        }
    }

    public void MaxWith(ResourceList other)
    {
        foreach (var (k, v) in other.values)
        {
            if (!values.TryGetValue(k, out var current) || v > current)
            {
                values[k] = v;
            }
        }
    }

    /// <summary>Sets a value unless the resource already has one.</summary>
    public void SetIfMissing(string name, decimal value)
    {
        values.TryAdd(name, value);
    }
}
