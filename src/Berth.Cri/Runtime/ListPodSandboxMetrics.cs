using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The last housekeeping pass's metrics of the sandboxes CRI made (standalone pods
    /// stay out of the kubelet's view, as everywhere in this service).</summary>
    public override Task<V1.ListPodSandboxMetricsResponse> ListPodSandboxMetrics(V1.ListPodSandboxMetricsRequest request, ServerCallContext context)
    {
        var cri = CriSandboxes().Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var response = new V1.ListPodSandboxMetricsResponse();
        response.PodMetrics.AddRange(metrics.Current().Where(m => cri.Contains(m.PodSandboxId)));
        return Task.FromResult(response);
    }
}
