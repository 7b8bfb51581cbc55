using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The pod cgroup's cpu, memory and process count, with each container's stats.
    /// No network usage: pods have no network of their own yet.</summary>
    public override async Task<V1.PodSandboxStatsResponse> PodSandboxStats(V1.PodSandboxStatsRequest request, ServerCallContext context)
    {
        var sandbox = SandboxOrNotFound(request.PodSandboxId);
        var containers = await ContainersOfAsync(sandbox.Id, context.CancellationToken);
        return new V1.PodSandboxStatsResponse { Stats = Stats.Sandbox(runtime, sandbox, containers) };
    }
}
