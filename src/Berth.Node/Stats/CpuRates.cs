using Berth.Linux.Cgroups;

namespace Berth.Node.Stats;

/// <summary>
/// The Summary API's usageNanoCores: CPU use averaged between two housekeeping passes, in
/// nanoseconds of CPU per second (1 000 000 000 = one whole core). Keyed like the snapshot:
/// pods by uid, containers by id, system containers by name.
/// </summary>
public sealed record CpuRates(
    ulong? Node,
    IReadOnlyDictionary<string, ulong> Pods,
    IReadOnlyDictionary<string, ulong> Containers,
    IReadOnlyDictionary<string, ulong> SystemContainers)
{
    /// <summary>No previous pass: no rate yet, as the kubelet omits usageNanoCores on its first.</summary>
    public static readonly CpuRates None = new(null, new Dictionary<string, ulong>(), new Dictionary<string, ulong>(), new Dictionary<string, ulong>());

    /// <summary>Rates for everything present in both passes.</summary>
    public static CpuRates Between(StatsSnapshot? previous, StatsSnapshot current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (previous is null)
        {
            return None;
        }

        var pods = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var containers = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var oldPods = previous.Pods.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        var oldContainers = previous.Pods.SelectMany(p => p.Containers).ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var pod in current.Pods)
        {
            if (oldPods.TryGetValue(pod.Uid, out var old) && NanoCores(old.Usage, pod.Usage) is { } podRate)
            {
                pods[pod.Uid] = podRate;
            }

            foreach (var container in pod.Containers)
            {
                if (oldContainers.TryGetValue(container.Id, out var was) && NanoCores(was.Usage, container.Usage) is { } rate)
                {
                    containers[container.Id] = rate;
                }
            }
        }

        var system = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var oldSystem = previous.Node.SystemContainers.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var sample in current.Node.SystemContainers)
        {
            if (oldSystem.TryGetValue(sample.Name, out var was) && NanoCores(was.Usage, sample.Usage) is { } rate)
            {
                system[sample.Name] = rate;
            }
        }

        return new CpuRates(NanoCores(previous.Node.Usage, current.Node.Usage), pods, containers, system);
    }

    /// <summary>
    /// (cpu₂ − cpu₁) / (t₂ − t₁) × 1e9, the kubelet's usageNanoCores
    /// (pkg/kubelet/stats/cri_stats_provider.go, getAndUpdateContainerUsageNanoCores). Null when
    /// either reading is missing, time did not advance, or the counter went backwards (the
    /// cgroup was recreated under the same name).
    /// </summary>
    public static ulong? NanoCores(CgroupUsage? previous, CgroupUsage? current)
    {
        if (previous?.CpuNanoseconds is not { } before || current?.CpuNanoseconds is not { } after || after < before)
        {
            return null;
        }

        var elapsedNanoseconds = (current.Timestamp - previous.Timestamp).Ticks * 100.0;
        return elapsedNanoseconds <= 0 ? null : (ulong)((after - before) / elapsedNanoseconds * 1e9);
    }
}
