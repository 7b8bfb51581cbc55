using Berth.Core.Eviction;

namespace Berth.Runtime;

/// <summary>
/// The node's pressure conditions (MemoryPressure, DiskPressure, PIDPressure) as the eviction
/// manager last decided them, for everyone else to read: admission refuses pods by them, the node
/// document shows them. Empty until the first decision, when nothing has been observed yet.
/// </summary>
public sealed class NodePressure
{
    private readonly Lock gate = new();
    private IReadOnlyList<NodePressureCondition> conditions = [];
    private DateTimeOffset? observedAt;

    /// <summary>Raised with each condition whose status changed (or that appeared), after the update.</summary>
    public event Action<NodePressureCondition>? Changed;

    public IReadOnlyList<NodePressureCondition> Conditions
    {
        get
        {
            lock (gate)
            {
                return conditions;
            }
        }
    }

    /// <summary>When the conditions were last decided: the conditions' heartbeat.</summary>
    public DateTimeOffset? ObservedAt
    {
        get
        {
            lock (gate)
            {
                return observedAt;
            }
        }
    }

    /// <summary>The types of the conditions now true, what admission checks pods against.</summary>
    public IReadOnlyList<string> PressureConditions => [.. Conditions.Where(c => c.Pressure).Select(c => c.Type)];

    /// <summary>Publishes a decision's conditions, taken at <paramref name="now"/>; returns those that changed.</summary>
    public IReadOnlyList<NodePressureCondition> Update(IReadOnlyList<NodePressureCondition> next, DateTimeOffset now)
    {
        List<NodePressureCondition> changed;
        lock (gate)
        {
            var previous = conditions;
            changed = [.. next.Where(c => previous.FirstOrDefault(p => p.Type == c.Type) is not { } p || p.Pressure != c.Pressure)];
            conditions = [.. next];
            observedAt = now;
        }

        foreach (var condition in changed)
        {
            Changed?.Invoke(condition);
        }

        return changed;
    }
}
