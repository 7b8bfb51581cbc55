using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Kills every container and the infra process; the record stays (NOTREADY) until
    /// RemovePodSandbox. A sandbox already gone is success: the kubelet retries stops freely.</summary>
    public override async Task<V1.StopPodSandboxResponse> StopPodSandbox(V1.StopPodSandboxRequest request, ServerCallContext context)
    {
        if (CriSandbox(request.PodSandboxId) is { } sandbox)
        {
            await runtime.StopPodSandboxAsync(sandbox.Id, context.CancellationToken);
        }

        return new V1.StopPodSandboxResponse();
    }
}
