using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>After the kubelet's log rotation renamed the file: conmon creates it afresh and
    /// writes there. Returns once the new file exists. A container that is not running has no
    /// writer to tell: FailedPrecondition.</summary>
    public override async Task<V1.ReopenContainerLogResponse> ReopenContainerLog(V1.ReopenContainerLogRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        await runtime.ReopenContainerLogAsync(container.Id, context.CancellationToken);
        return new V1.ReopenContainerLogResponse();
    }
}
