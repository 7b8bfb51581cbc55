using Berth.Core.Capacity;

namespace Berth.Core.Eviction;

/// <summary>
/// What each eviction signal stands for in the kubelet (pkg/kubelet/eviction/helpers.go,
/// signalToResource and signalToNodeCondition): the resource reclaimed when it is starved and the
/// node condition it raises.
/// </summary>
public static class EvictionSignals
{
    public const string MemoryPressure = "MemoryPressure";
    public const string DiskPressure = "DiskPressure";
    public const string PidPressure = "PIDPressure";

    /// <summary>The resources as the kubelet names them in messages and the starved_resource annotation.</summary>
    public const string Memory = "memory";
    public const string EphemeralStorage = "ephemeral-storage";
    public const string Inodes = "inodes";
    public const string Pids = "pids";

    /// <summary>The pressure conditions in the order Berth reports them.</summary>
    public static readonly IReadOnlyList<string> Conditions = [MemoryPressure, DiskPressure, PidPressure];

    public static string ResourceOf(string signal) => signal switch
    {
        EvictionThresholds.MemoryAvailable or EvictionThresholds.AllocatableMemoryAvailable => Memory,
        EvictionThresholds.NodeFsAvailable or EvictionThresholds.ImageFsAvailable or EvictionThresholds.ContainerFsAvailable => EphemeralStorage,
        EvictionThresholds.NodeFsInodesFree or EvictionThresholds.ImageFsInodesFree or EvictionThresholds.ContainerFsInodesFree => Inodes,
        EvictionThresholds.PidAvailable => Pids,
        _ => throw new ArgumentException($"unsupported eviction signal {signal}", nameof(signal)),
    };

    public static string ConditionOf(string signal) => ResourceOf(signal) switch
    {
        Memory => MemoryPressure,
        Pids => PidPressure,
        _ => DiskPressure,
    };

    public static bool IsMemory(string signal) =>
        signal is EvictionThresholds.MemoryAvailable or EvictionThresholds.AllocatableMemoryAvailable;

    /// <summary>Whether the signal's observed quantities are bytes (printed in binary suffixes) rather than counts.</summary>
    public static bool IsBytes(string signal) => ResourceOf(signal) is Memory or EphemeralStorage;
}
