using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override async Task<V1.ListPodSandboxStatsResponse> ListPodSandboxStats(V1.ListPodSandboxStatsRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var containers = (await CriContainersAsync(context.CancellationToken)).ToLookup(c => c.SandboxId);
        var response = new V1.ListPodSandboxStatsResponse();
        foreach (var sandbox in CriSandboxes().OrderBy(s => s.CreatedAt))
        {
            if (filter is not null
                && ((filter.Id.Length > 0 && !sandbox.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                    || !Labels.Match(sandbox.Config.Labels, filter.LabelSelector)))
            {
                continue;
            }

            response.Stats.Add(Stats.Sandbox(runtime, sandbox, containers[sandbox.Id]));
        }

        return response;
    }
}
