using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Only a created container starts; a failed start leaves it EXITED with reason
    /// ContainerCannotRun and the runtime's error as message.</summary>
    public override async Task<V1.StartContainerResponse> StartContainer(V1.StartContainerRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        await runtime.StartContainerAsync(container.Id, context.CancellationToken);
        return new V1.StartContainerResponse();
    }
}
