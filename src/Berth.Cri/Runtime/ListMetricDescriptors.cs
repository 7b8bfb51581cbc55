using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet asks once, at start, and drops any metric later whose name is not here.</summary>
    public override Task<V1.ListMetricDescriptorsResponse> ListMetricDescriptors(V1.ListMetricDescriptorsRequest request, ServerCallContext context)
    {
        var response = new V1.ListMetricDescriptorsResponse();
        response.Descriptors.AddRange(metrics.Descriptors());
        return Task.FromResult(response);
    }
}
