using Berth.Core.Lifecycle;
using Berth.Linux.Cgroups;

namespace Berth.Node.Stats;

/// <summary>What the pod records know of a pod and the stats do not: its phase, QoS class and
/// its containers' restart counts.</summary>
public sealed record TopPodFacts(string Uid, string Namespace, string Name, string Phase, string QosClass, IReadOnlyList<TopContainerFacts> Containers);

/// <param name="Init">An init container that runs once to completion (not a sidecar): it has
/// no row once it is done.</param>
public sealed record TopContainerFacts(string Name, bool Init, int RestartCount);

/// <summary>
/// Shapes a housekeeping pass into <c>berth top</c>'s view, with the Summary API's numbers:
/// cores from <see cref="CpuRates"/> (usageNanoCores / 1e9), memory usage and working set as
/// the pass read them, PSI avg10. Pure: no cgroup is read here.
/// </summary>
public static class TopViewBuilder
{
    private const double NanoCoresPerCore = 1e9;

    /// <param name="facts">The pods Berth admitted itself; a CRI pod has none, and shows the
    /// sandbox's restart attempts and blank phase and QoS class.</param>
    public static TopView Build(StatsSnapshot snapshot, CpuRates rates, IReadOnlyList<TopCondition> conditions, IReadOnlyList<TopPodFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(rates);
        var byUid = facts.ToDictionary(f => f.Uid, StringComparer.Ordinal);
        var node = snapshot.Node;
        var topNode = new TopNode(node.NodeName, Cores(rates.Node), node.Usage?.MemoryWorkingSet, node.MemoryCapacity, Psi(node.Pressure), conditions);
        var pods = snapshot.Pods.Select(p => Pod(p, byUid.GetValueOrDefault(p.Uid), rates)).ToList();

        // A pod played a moment ago has no sample until the next pass; it is shown, without numbers.
        var sampled = snapshot.Pods.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        pods.AddRange(facts.Where(f => !sampled.Contains(f.Uid) && f.Phase is PodPhase.Pending or PodPhase.Running).Select(Unsampled));
        return new TopView(snapshot.Timestamp, topNode, pods);
    }

    private static TopPod Pod(PodSample sample, TopPodFacts? facts, CpuRates rates)
    {
        var containers = new List<TopContainer>();
        foreach (var container in sample.Containers)
        {
            var restarts = facts?.Containers.FirstOrDefault(c => c.Name == container.Name)?.RestartCount ?? container.Restarts;
            containers.Add(new TopContainer(
                container.Name,
                container.Id,
                Cores(rates.Containers.TryGetValue(container.Id, out var rate) ? rate : null),
                container.Usage?.MemoryUsage,
                container.Usage?.MemoryWorkingSet,
                Psi(container.Pressure),
                restarts));
        }

        // Containers not running now (waiting in back-off, exited) have no sample but still
        // restart: they are listed so their restarts show. Init containers that are done are not.
        var running = sample.Containers.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        containers.AddRange((facts?.Containers ?? []).Where(c => !c.Init && !running.Contains(c.Name)).Select(c => new TopContainer(c.Name, "", null, null, null, null, c.RestartCount)));
        return new TopPod(
            sample.Namespace,
            sample.Name,
            sample.Uid,
            facts?.Phase ?? "",
            facts?.QosClass ?? "",
            Cores(rates.Pods.TryGetValue(sample.Uid, out var podRate) ? podRate : null),
            sample.Usage?.MemoryUsage,
            sample.Usage?.MemoryWorkingSet,
            Psi(sample.Pressure),
            facts?.Containers.Sum(c => c.RestartCount) ?? sample.Containers.Sum(c => c.Restarts),
            containers);
    }

    private static TopPod Unsampled(TopPodFacts facts) => new(
        facts.Namespace,
        facts.Name,
        facts.Uid,
        facts.Phase,
        facts.QosClass,
        null,
        null,
        null,
        null,
        facts.Containers.Sum(c => c.RestartCount),
        [.. facts.Containers.Where(c => !c.Init).Select(c => new TopContainer(c.Name, "", null, null, null, null, c.RestartCount))]);

    private static double? Cores(ulong? nanoCores) => nanoCores is { } n ? n / NanoCoresPerCore : null;

    private static TopPsi? Psi(PressureStats? pressure) => pressure is null
        ? null
        : new TopPsi(pressure.Cpu?.Some.Avg10, pressure.Memory?.Some.Avg10, pressure.Memory?.Full?.Avg10, pressure.Io?.Some.Avg10);
}
