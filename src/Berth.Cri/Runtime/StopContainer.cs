using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The stop signal (the config's, the image's or SIGTERM), SIGKILL after timeout
    /// seconds; returns once the container has exited. Already stopped or gone is success.</summary>
    public override async Task<V1.StopContainerResponse> StopContainer(V1.StopContainerRequest request, ServerCallContext context)
    {
        var grace = TimeSpan.FromSeconds(Math.Clamp(request.Timeout, 0, (long)TimeSpan.FromDays(1).TotalSeconds));
        if (await CriContainerAsync(request.ContainerId, context.CancellationToken) is { } container)
        {
            await runtime.StopContainerAsync(container.Id, grace, context.CancellationToken);
        }

        return new V1.StopContainerResponse();
    }
}
