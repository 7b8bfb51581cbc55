using Berth.Cri.Streaming;
using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>A URL on the streaming server for connections to ports of the sandbox's network namespace.</summary>
    public override Task<V1.PortForwardResponse> PortForward(V1.PortForwardRequest request, Grpc.Core.ServerCallContext context)
    {
        var sandbox = SandboxOrNotFound(request.PodSandboxId);
        if (runtime.GetSandbox(sandbox.Id) is not { State: SandboxState.Ready })
        {
            throw CriErrors.FailedPrecondition($"pod sandbox {sandbox.Id} is not ready");
        }

        foreach (var port in request.Port)
        {
            if (port is < 1 or > 65535)
            {
                throw CriErrors.InvalidArgument($"port {port} is not within 1-65535");
            }
        }

        return Task.FromResult(new V1.PortForwardResponse { Url = streaming.PortForwardUrl(new PortForwardStreamRequest(sandbox.Id)) });
    }
}
