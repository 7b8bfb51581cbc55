using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet resizes the pod cgroup itself and tells the runtime afterwards, for
    /// runtimes that keep their own copy; Berth keeps none, so this only checks the sandbox.</summary>
    public override Task<V1.UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(V1.UpdatePodSandboxResourcesRequest request, ServerCallContext context)
    {
        SandboxOrNotFound(request.PodSandboxId);
        return Task.FromResult(new V1.UpdatePodSandboxResourcesResponse());
    }
}
