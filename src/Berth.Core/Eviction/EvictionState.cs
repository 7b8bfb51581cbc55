using System.Collections.Immutable;

namespace Berth.Core.Eviction;

/// <summary>
/// What the eviction manager carries from one decision to the next (the kubelet's managerImpl
/// fields): when each threshold was first seen met, the thresholds met past their grace period
/// and not yet reclaimed, when each pressure condition was last seen, the conditions reported,
/// and the last observations. Immutable: each decision returns the next state.
/// </summary>
public sealed record EvictionState
{
    public static readonly EvictionState Initial = new();

    public ImmutableDictionary<SignalThreshold, DateTimeOffset> ThresholdsFirstObservedAt { get; init; } = ImmutableDictionary<SignalThreshold, DateTimeOffset>.Empty;

    /// <summary>Met including their grace period, and held until their minimum reclaim is met.</summary>
    public ImmutableList<SignalThreshold> ThresholdsMet { get; init; } = [];

    public ImmutableDictionary<string, DateTimeOffset> ConditionsLastObservedAt { get; init; } = ImmutableDictionary<string, DateTimeOffset>.Empty;

    /// <summary>The conditions with their status and transition time as last reported; empty before the first decision.</summary>
    public ImmutableList<NodePressureCondition> Conditions { get; init; } = [];

    public ImmutableDictionary<string, SignalObservation> LastObservations { get; init; } = ImmutableDictionary<string, SignalObservation>.Empty;

    /// <summary>The pressure conditions now true, what admission checks pods against.</summary>
    public IReadOnlyList<string> PressureConditions => Conditions.Where(c => c.Pressure).Select(c => c.Type).ToList();
}
