using Berth.Api.V1;
using Berth.Runtime;
using Grpc.Core;
using k8s;
using k8s.Models;

namespace Berth.Node.Api;

/// <summary>The namespace policy objects given to play: LimitRanges.</summary>
public sealed partial class AgentService
{
    public override Task<ListLimitRangesResponse> ListLimitRanges(ListLimitRangesRequest request, ServerCallContext context)
    {
        var ranges = pods.Policies.LimitRangeRecords
            .Where(r => request.Namespace.Length == 0 || r.Namespace == request.Namespace)
            .Select(r =>
            {
                var range = KubernetesJson.Deserialize<V1LimitRange>(r.Json, null);
                range.Metadata ??= new V1ObjectMeta();
                range.Metadata.NamespaceProperty = r.Namespace;
                range.Metadata.CreationTimestamp = r.CreatedAt.UtcDateTime;
                return range;
            });
        return Task.FromResult(new ListLimitRangesResponse { Json = KubernetesJson.Serialize(ranges.ToList()) });
    }

    public override Task<RemoveLimitRangeResponse> RemoveLimitRange(RemoveLimitRangeRequest request, ServerCallContext context)
    {
        var ns = request.Namespace.Length == 0 ? "default" : request.Namespace;
        if (!pods.Policies.RemoveLimitRange(ns, request.Name))
        {
            throw new NotFoundException($"limitrange {ns}/{request.Name} not found");
        }

        return Task.FromResult(new RemoveLimitRangeResponse());
    }
}
