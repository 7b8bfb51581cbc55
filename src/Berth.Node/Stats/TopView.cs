using System.Text.Json;
using Berth.Core.Serialization;

namespace Berth.Node.Stats;

// berth top's snapshot (the Top RPC's JSON and `berth top -o json`): the node's pressure and
// conditions, then each pod and its containers with the columns the view sorts by. Numbers are
// null where the housekeeping pass has none yet (a CPU rate needs two passes).

/// <summary>One snapshot of <c>berth top</c>, taken from one housekeeping pass.</summary>
public sealed record TopView(DateTimeOffset Time, TopNode Node, IReadOnlyList<TopPod> Pods)
{
    /// <summary>Only the pods of <paramref name="ns"/>; every pod when it is null or empty.</summary>
    public TopView InNamespace(string? ns) =>
        ns is { Length: > 0 } ? this with { Pods = [.. Pods.Where(p => p.Namespace == ns)] } : this;

    public string ToJson() => JsonSerializer.Serialize(this, BerthJson.Options);

    public static TopView FromJson(string json) =>
        JsonSerializer.Deserialize<TopView>(json, BerthJson.Options) ?? throw new FormatException("the agent sent an empty top snapshot");
}

/// <param name="CpuCores">CPU in use by the whole node (its root cgroup), in cores.</param>
/// <param name="MemoryWorkingSetBytes">The node's working set, as the Summary API's node memory.</param>
/// <param name="Conditions">As <c>berth node</c> reports them: the eviction manager's pressure
/// conditions, then Ready.</param>
public sealed record TopNode(
    string Name,
    double? CpuCores,
    ulong? MemoryWorkingSetBytes,
    ulong? MemoryCapacityBytes,
    TopPsi? Psi,
    IReadOnlyList<TopCondition> Conditions);

public sealed record TopCondition(string Type, string Status, string Reason, string Message);

/// <summary>The PSI figures top shows: the share of the last 10 seconds (percent) in which some
/// task stalled on cpu, memory or io, and in which all did on memory.</summary>
public sealed record TopPsi(double? CpuSomeAvg10, double? MemorySomeAvg10, double? MemoryFullAvg10, double? IoSomeAvg10);

/// <summary>What a row of the view has, pod or container, for sorting.</summary>
public interface ITopRow
{
    string Name { get; }

    double? CpuCores { get; }

    ulong? MemoryUsageBytes { get; }

    ulong? WorkingSetBytes { get; }

    TopPsi? Psi { get; }

    int Restarts { get; }
}

/// <param name="Restarts">The sum of its containers' restart counts.</param>
public sealed record TopPod(
    string Namespace,
    string Name,
    string Uid,
    string Phase,
    string QosClass,
    double? CpuCores,
    ulong? MemoryUsageBytes,
    ulong? WorkingSetBytes,
    TopPsi? Psi,
    int Restarts,
    IReadOnlyList<TopContainer> Containers) : ITopRow;

public sealed record TopContainer(
    string Name,
    string Id,
    double? CpuCores,
    ulong? MemoryUsageBytes,
    ulong? WorkingSetBytes,
    TopPsi? Psi,
    int RestartCount) : ITopRow
{
    int ITopRow.Restarts => RestartCount;
}
