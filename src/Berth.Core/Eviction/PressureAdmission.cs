using Berth.Core.Capacity;
using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Eviction;

/// <summary>The answer of the pressure admission check: admitted, or refused with the kubelet's reason and message.</summary>
public sealed record PressureAdmissionResult(bool Admit, string? Reason = null, string? Message = null)
{
    public static readonly PressureAdmissionResult Admitted = new(true);
}

/// <summary>
/// The eviction manager's admission handler (managerImpl.Admit in eviction_manager.go): with no
/// pressure every pod is admitted, and so is a critical pod; under memory pressure alone only
/// BestEffort pods are refused, unless they tolerate the node.kubernetes.io/memory-pressure
/// NoSchedule taint; any other pressure refuses every pod.
/// </summary>
public static class PressureAdmission
{
    public const string MemoryPressureTaintKey = "node.kubernetes.io/memory-pressure";

    /// <param name="conditions">The pressure conditions now true (<see cref="EvictionState.PressureConditions"/>).</param>
    public static PressureAdmissionResult Admit(IReadOnlyList<string> conditions, V1Pod pod)
    {
        if (conditions.Count == 0 || CriticalPod.Is(pod))
        {
            return PressureAdmissionResult.Admitted;
        }

        if (conditions is [EvictionSignals.MemoryPressure])
        {
            var spec = pod.Spec ?? new V1PodSpec();
            if (QosClassifier.Classify(spec) != QosClass.BestEffort)
            {
                return PressureAdmissionResult.Admitted;
            }

            var taint = new V1Taint { Key = MemoryPressureTaintKey, Effect = "NoSchedule" };
            if ((spec.Tolerations ?? []).Any(t => Tolerations.Tolerates(t, taint)))
            {
                return PressureAdmissionResult.Admitted;
            }
        }

        // nodeConditionMessageFmt with Go's %v of a slice: "[MemoryPressure DiskPressure]".
        return new PressureAdmissionResult(false, EvictionMessage.Reason, $"The node had condition: [{string.Join(' ', conditions)}]. ");
    }
}
