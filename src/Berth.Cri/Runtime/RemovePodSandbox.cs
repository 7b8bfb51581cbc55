using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stops what still runs, then removes the containers, the sandbox and its files.
    /// A sandbox already gone is success.</summary>
    public override async Task<V1.RemovePodSandboxResponse> RemovePodSandbox(V1.RemovePodSandboxRequest request, ServerCallContext context)
    {
        if (CriSandbox(request.PodSandboxId) is { } sandbox)
        {
            await runtime.RemovePodSandboxAsync(sandbox.Id, context.CancellationToken);
        }

        return new V1.RemovePodSandboxResponse();
    }
}
