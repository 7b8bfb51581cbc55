using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Kills every container and the infra process; the record stays (NOTREADY) until
    /// RemovePodSandbox. A sandbox already gone is success: the kubelet retries stops freely.</summary>
    public override async Task<V1.StopPodSandboxResponse> StopPodSandbox(V1.StopPodSandboxRequest request, ServerCallContext context)
    {
        await runtime.StopPodSandboxAsync(CriIds.Require(request.PodSandboxId, "pod_sandbox_id"), context.CancellationToken);
        return new V1.StopPodSandboxResponse();
    }
}
