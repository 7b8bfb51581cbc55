using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>In-place resize: runc update on the container's cgroup. Windows resources and
    /// the annotations are ignored.</summary>
    public override async Task<V1.UpdateContainerResourcesResponse> UpdateContainerResources(V1.UpdateContainerResourcesRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        if (request.Linux is null)
        {
            return new V1.UpdateContainerResourcesResponse();
        }

        var problems = new List<string>();
        var limits = Resources.From(request.Linux, "linux", problems);
        CriErrors.ThrowIfAny(problems);
        await runtime.UpdateContainerResourcesAsync(container.Id, limits, context.CancellationToken);
        return new V1.UpdateContainerResourcesResponse();
    }
}
