using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet sends the node's pod CIDR here; without a pod network there is nothing to configure.</summary>
    public override Task<V1.UpdateRuntimeConfigResponse> UpdateRuntimeConfig(V1.UpdateRuntimeConfigRequest request, ServerCallContext context)
    {
        if (request.RuntimeConfig?.NetworkConfig?.PodCidr is { Length: > 0 } cidr)
        {
            logger.LogDebug("CRI: pod CIDR {Cidr} noted; Berth has no pod network to give it to", cidr);
        }

        return Task.FromResult(new V1.UpdateRuntimeConfigResponse());
    }
}
