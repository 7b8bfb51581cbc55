using Berth.Api.V1;
using Berth.Node.Stats;
using Grpc.Core;

namespace Berth.Node.Api;

public sealed partial class AgentService
{
    /// <summary>berth top's snapshot: the cached housekeeping pass (a fresh one only before the
    /// first), the node's conditions as <c>berth node</c> shows them, and what the pod records
    /// add (phase, QoS class, restart counts).</summary>
    public override async Task<TopResponse> Top(TopRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var latest = stats.Latest ?? await stats.CollectAsync(ct);

        // Previous belongs to Latest only while no pass ran in between; a pass just collected
        // above has no predecessor.
        var rates = ReferenceEquals(latest, stats.Latest) ? CpuRates.Between(stats.Previous, latest) : CpuRates.None;
        var conditions = NodeDocument.Conditions(pods.Pressure, DateTimeOffset.UtcNow)
            .Select(c => new TopCondition(c.Type, c.Status, c.Reason ?? "", c.Message ?? ""))
            .ToList();
        var facts = (await pods.ListAsync(ct))
            .Select(p => new TopPodFacts(
                p.Pod.Uid,
                p.Pod.Namespace,
                p.Pod.Name,
                p.Phase,
                p.Pod.Plan.QosClass.ToString(),
                [.. p.Containers.Select(c => new TopContainerFacts(c.Container.Name, c.Container.Init && !c.Container.Sidecar, c.Container.RestartCount))]))
            .ToList();
        var view = TopViewBuilder.Build(latest, rates, conditions, facts).InNamespace(request.Namespace);
        return new TopResponse { Json = view.ToJson() };
    }
}
