using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Needs a streaming server (the URL the kubelet proxies to), which Berth does not have yet.</summary>
    public override Task<V1.AttachResponse> Attach(V1.AttachRequest request, ServerCallContext context) =>
        throw CriErrors.Unimplemented(AttachNotImplemented);
}
