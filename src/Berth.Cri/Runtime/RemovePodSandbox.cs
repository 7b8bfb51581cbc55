using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Stops what still runs, then removes the containers, the sandbox and its files.
    /// A sandbox already gone is success.</summary>
    public override async Task<V1.RemovePodSandboxResponse> RemovePodSandbox(V1.RemovePodSandboxRequest request, ServerCallContext context)
    {
        await runtime.RemovePodSandboxAsync(CriIds.Require(request.PodSandboxId, "pod_sandbox_id"), context.CancellationToken);
        return new V1.RemovePodSandboxResponse();
    }
}
