using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>
/// One of the node's pressure conditions as the kubelet's node status setters write it
/// (pkg/kubelet/nodestatus/setters.go: MemoryPressureCondition, DiskPressureCondition,
/// PIDPressureCondition): status, reason and message follow the pressure; the transition time
/// moves only when the status changes.
/// </summary>
public sealed record NodePressureCondition(string Type, bool Pressure, DateTimeOffset LastTransitionTime)
{
    public string Status => Pressure ? "True" : "False";

    public string Reason => (Type, Pressure) switch
    {
        (EvictionSignals.MemoryPressure, true) => "KubeletHasInsufficientMemory",
        (EvictionSignals.MemoryPressure, false) => "KubeletHasSufficientMemory",
        (EvictionSignals.DiskPressure, true) => "KubeletHasDiskPressure",
        (EvictionSignals.DiskPressure, false) => "KubeletHasNoDiskPressure",
        (_, true) => "KubeletHasInsufficientPID",
        _ => "KubeletHasSufficientPID",
    };

    public string Message => (Type, Pressure) switch
    {
        (EvictionSignals.MemoryPressure, true) => "kubelet has insufficient memory available",
        (EvictionSignals.MemoryPressure, false) => "kubelet has sufficient memory available",
        (EvictionSignals.DiskPressure, true) => "kubelet has disk pressure",
        (EvictionSignals.DiskPressure, false) => "kubelet has no disk pressure",
        (_, true) => "kubelet has insufficient PID available",
        _ => "kubelet has sufficient PID available",
    };

    /// <summary>The node event the kubelet records when the condition changes, e.g. "NodeHasInsufficientMemory".</summary>
    public string TransitionEvent => "Node" + Reason["Kubelet".Length..];

    /// <summary>The condition after a decision at <paramref name="now"/>: a new condition (status
    /// Unknown before) or a changed status takes <paramref name="now"/> as its transition time.</summary>
    public static NodePressureCondition Next(NodePressureCondition? previous, string type, bool pressure, DateTimeOffset now) =>
        previous is { } p && p.Pressure == pressure ? p : new NodePressureCondition(type, pressure, now);

    public V1NodeCondition ToV1(DateTimeOffset heartbeat) => new()
    {
        Type = Type,
        Status = Status,
        Reason = Reason,
        Message = Message,
        LastHeartbeatTime = heartbeat.UtcDateTime,
        LastTransitionTime = LastTransitionTime.UtcDateTime,
    };
}
