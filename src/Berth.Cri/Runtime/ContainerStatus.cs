using System.Text.Json;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>Times are nanoseconds since the epoch (zero until they happen); an exited
    /// container has its exit code and a reason: Completed, Error, OOMKilled or ContainerCannotRun.</summary>
    public override async Task<V1.ContainerStatusResponse> ContainerStatus(V1.ContainerStatusRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        var response = new V1.ContainerStatusResponse { Status = Statuses.ContainerStatus(container, ImageNames()(container)) };
        if (request.Verbose)
        {
            response.Info["info"] = JsonSerializer.Serialize(new
            {
                container.Id,
                SandboxId = container.SandboxId,
                container.Pid,
                container.MonitorPid,
                container.CgroupPath,
                container.LogFile,
                container.User,
                container.Signal,
                Config = container.Config,
            }, VerboseJson);
        }

        return response;
    }
}
