using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stats of every container the filter lets through, created ones included (their
    /// cgroup exists from creation).</summary>
    public override async Task<V1.ListContainerStatsResponse> ListContainerStats(V1.ListContainerStatsRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var response = new V1.ListContainerStatsResponse();
        foreach (var container in (await CriContainersAsync(context.CancellationToken)).OrderBy(c => c.CreatedAt))
        {
            if (filter is not null
                && ((filter.Id.Length > 0 && !container.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                    || (filter.PodSandboxId.Length > 0 && !container.SandboxId.StartsWith(filter.PodSandboxId, StringComparison.Ordinal))
                    || !Labels.Match(container.Config.Labels, filter.LabelSelector)))
            {
                continue;
            }

            response.Stats.Add(Stats.Container(runtime, container));
        }

        return response;
    }
}
