using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Kills a container that still runs, then removes it with its layer and bundle.
    /// Already gone is success. The log file stays: it belongs to the kubelet's log directory.</summary>
    public override async Task<V1.RemoveContainerResponse> RemoveContainer(V1.RemoveContainerRequest request, ServerCallContext context)
    {
        if (await CriContainerAsync(request.ContainerId, context.CancellationToken) is { } container)
        {
            await runtime.RemoveContainerAsync(container.Id, context.CancellationToken);
        }

        return new V1.RemoveContainerResponse();
    }
}
