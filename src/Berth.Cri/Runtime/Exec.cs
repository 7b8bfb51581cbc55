using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Needs a streaming server (the URL the kubelet proxies to), which Berth does not have yet.</summary>
    public override Task<V1.ExecResponse> Exec(V1.ExecRequest request, ServerCallContext context) =>
        throw CriErrors.Unimplemented(StreamingNotImplemented);
}
