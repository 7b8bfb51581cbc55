using System.Text.Json;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override async Task<V1.PodSandboxStatusResponse> PodSandboxStatus(V1.PodSandboxStatusRequest request, ServerCallContext context)
    {
        var sandbox = SandboxOrNotFound(request.PodSandboxId);
        var response = new V1.PodSandboxStatusResponse
        {
            Status = Statuses.SandboxStatus(sandbox),
            Timestamp = CriTime.Now(),
        };

        // The containers too, so a watcher (the kubelet's evented PLEG) needs one call per pod.
        var imageNames = ImageNames();
        foreach (var container in await ContainersOfAsync(sandbox.Id, context.CancellationToken))
        {
            response.ContainersStatuses.Add(Statuses.ContainerStatus(container, imageNames(container)));
        }

        if (request.Verbose)
        {
            response.Info["info"] = JsonSerializer.Serialize(new
            {
                sandbox.Id,
                sandbox.InfraPid,
                sandbox.Config.CgroupParent,
                sandbox.Config.LogDirectory,
                sandbox.NamespaceInodes,
                Config = sandbox.Config,
            }, VerboseJson);
        }

        return response;
    }
}
