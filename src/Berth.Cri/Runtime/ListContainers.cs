using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Every filter given must hold; id and pod_sandbox_id match prefixes.</summary>
    public override async Task<V1.ListContainersResponse> ListContainers(V1.ListContainersRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var imageNames = ImageNames();
        var response = new V1.ListContainersResponse();
        foreach (var container in (await CriContainersAsync(context.CancellationToken)).OrderBy(c => c.CreatedAt))
        {
            if (filter is not null
                && ((filter.Id.Length > 0 && !container.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                    || (filter.PodSandboxId.Length > 0 && !container.SandboxId.StartsWith(filter.PodSandboxId, StringComparison.Ordinal))
                    || (filter.State is { } state && Statuses.State(container.State) != state.State)
                    || !Labels.Match(container.Config.Labels, filter.LabelSelector)))
            {
                continue;
            }

            response.Containers.Add(Statuses.Container(container, imageNames(container)));
        }

        return response;
    }
}
