using System.Globalization;
using Berth.Core.Manifests;

namespace Berth.Core.Capacity;

/// <summary>
/// Amounts of the node resources the kubelet reserves and enforces: cpu in millicores, memory and
/// ephemeral-storage in bytes, and process IDs (the kubelet's "pid"). Null means "not given",
/// which differs from zero when a reservation is merged with another or enforced on a cgroup.
/// </summary>
public sealed record NodeResources(long? MilliCpu = null, long? Memory = null, long? Pids = null, long? EphemeralStorage = null)
{
    public const string Cpu = "cpu";
    public const string MemoryName = "memory";
    public const string Pid = "pid";
    public const string EphemeralStorageName = "ephemeral-storage";

    /// <summary>The resource names a reservation may hold, in the kubelet's spelling.</summary>
    public static readonly IReadOnlyList<string> Names = [Cpu, MemoryName, EphemeralStorageName, Pid];

    public static NodeResources None { get; } = new();

    /// <summary>Each resource given on either side, summed; a resource neither gives stays null.</summary>
    public NodeResources Plus(NodeResources other) => new(
        Add(MilliCpu, other.MilliCpu), Add(Memory, other.Memory), Add(Pids, other.Pids), Add(EphemeralStorage, other.EphemeralStorage));

    /// <summary>This minus <paramref name="reserved"/>, never below zero (the kubelet clamps allocatable at 0).</summary>
    public NodeResources Minus(NodeResources reserved) => new(
        Sub(MilliCpu, reserved.MilliCpu), Sub(Memory, reserved.Memory), Sub(Pids, reserved.Pids), Sub(EphemeralStorage, reserved.EphemeralStorage));

    /// <summary>The amount of one resource by its kubelet name, or null.</summary>
    public long? this[string name] => name switch
    {
        Cpu => MilliCpu,
        MemoryName => Memory,
        Pid => Pids,
        EphemeralStorageName => EphemeralStorage,
        _ => null,
    };

    /// <summary>The given resources as Kubernetes writes them in a ResourceList (cpu in
    /// millicores as "1500m" or whole cores, bytes as plain integers).</summary>
    public IReadOnlyDictionary<string, string> ToResourceList()
    {
        var list = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (MilliCpu is { } cpu)
        {
            list[Cpu] = cpu % 1000 == 0 ? (cpu / 1000).ToString(CultureInfo.InvariantCulture) : $"{cpu.ToString(CultureInfo.InvariantCulture)}m";
        }

        foreach (var (name, value) in new[] { (MemoryName, Memory), (EphemeralStorageName, EphemeralStorage), (Pid, Pids) })
        {
            if (value is { } v)
            {
                list[name] = v.ToString(CultureInfo.InvariantCulture);
            }
        }

        return list;
    }

    /// <summary>
    /// Reads a reservation map (<c>systemReserved</c>, <c>kubeReserved</c>: resource name to
    /// quantity) as the kubelet validates it: only cpu, memory, ephemeral-storage and pid, each a
    /// quantity of at least zero. Errors name <paramref name="path"/>.<c>name</c>.
    /// </summary>
    public static NodeResources Parse(IEnumerable<KeyValuePair<string, string?>> entries, string path, List<string> errors)
    {
        var result = None;
        foreach (var (name, text) in entries)
        {
            if (!Names.Contains(name))
            {
                errors.Add($"{path}.{name}: Unsupported value: \"{name}\": supported values: \"cpu\", \"memory\", \"ephemeral-storage\", \"pid\"");
                continue;
            }

            if (!Quantity.TryParse(text, out var quantity, out var problem))
            {
                errors.Add($"{path}.{name}: Invalid value: \"{text}\": {problem}");
                continue;
            }

            if (quantity.Value < 0)
            {
                errors.Add($"{path}.{name}: Invalid value: \"{text}\": must be greater than or equal to 0");
                continue;
            }

            result = name switch
            {
                Cpu => result with { MilliCpu = quantity.MilliValue },
                MemoryName => result with { Memory = quantity.CeilValue },
                Pid => result with { Pids = quantity.CeilValue },
                _ => result with { EphemeralStorage = quantity.CeilValue },
            };
        }

        return result;
    }

    private static long? Add(long? a, long? b) => a is null && b is null ? null : (a ?? 0) + (b ?? 0);

    private static long? Sub(long? a, long? b) => a is null ? null : Math.Max(0, a.Value - (b ?? 0));
}
