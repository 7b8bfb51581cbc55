using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>cpu (cumulative ns), memory (usage, working set = usage − inactive file, rss,
    /// faults) from the container's cgroup, and its writable layer's bytes and inodes.</summary>
    public override async Task<V1.ContainerStatsResponse> ContainerStats(V1.ContainerStatsRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        return new V1.ContainerStatsResponse { Stats = Stats.Container(runtime, container) };
    }
}
