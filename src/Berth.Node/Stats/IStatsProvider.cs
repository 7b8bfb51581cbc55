namespace Berth.Node.Stats;

/// <summary>
/// The node's housekeeping: one pass over every pod's cgroups, network namespace and
/// filesystems per interval, cached, so scrapes and CRI stats never walk the tree themselves.
/// The eviction manager asks for a fresh pass, as the kubelet's asks its summary provider to
/// update stats before it decides.
/// </summary>
public interface IStatsProvider
{
    /// <summary>The last completed pass; null before the first one.</summary>
    StatsSnapshot? Latest { get; }

    /// <summary>The pass before <see cref="Latest"/>, for rates (<see cref="CpuRates.Between"/>).</summary>
    StatsSnapshot? Previous { get; }

    /// <summary>Runs a pass now, makes it <see cref="Latest"/> and returns it.</summary>
    Task<StatsSnapshot> CollectAsync(CancellationToken ct);
}
