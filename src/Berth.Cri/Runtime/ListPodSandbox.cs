using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Every filter given must hold; an id filter matches a prefix, as crictl passes them.</summary>
    public override Task<V1.ListPodSandboxResponse> ListPodSandbox(V1.ListPodSandboxRequest request, ServerCallContext context)
    {
        var filter = request.Filter;
        var response = new V1.ListPodSandboxResponse();
        foreach (var sandbox in CriSandboxes().OrderBy(s => s.CreatedAt))
        {
            if (filter is not null
                && ((filter.Id.Length > 0 && !sandbox.Id.StartsWith(filter.Id, StringComparison.Ordinal))
                    || (filter.State is { } state && Statuses.State(sandbox.State) != state.State)
                    || !Labels.Match(sandbox.Config.Labels, filter.LabelSelector)))
            {
                continue;
            }

            response.Items.Add(Statuses.Sandbox(sandbox));
        }

        return Task.FromResult(response);
    }
}
