using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override async Task<V1.RunPodSandboxResponse> RunPodSandbox(V1.RunPodSandboxRequest request, ServerCallContext context)
    {
        var config = SandboxRequests.From(request, runtime.Options.CgroupRoot);
        var name = $"{config.Namespace}/{config.Name}/{config.Uid}/{config.Attempt}";
        using var reservation = names.TryReserve("sandbox:" + name) ?? throw CriErrors.AlreadyExists($"pod sandbox {name} is being created");
        if (CriSandboxes().FirstOrDefault(s => s.Config.Namespace == config.Namespace && s.Config.Name == config.Name && s.Config.Uid == config.Uid && s.Config.Attempt == config.Attempt) is { } existing)
        {
            throw CriErrors.AlreadyExists($"pod sandbox {name} already exists as {existing.Id}");
        }

        var sandbox = await runtime.RunPodSandboxAsync(config, context.CancellationToken);
        logger.LogInformation("CRI: sandbox {SandboxId} for pod {Namespace}/{Pod} (attempt {Attempt}) in cgroup {Cgroup}", sandbox.Id, config.Namespace, config.Name, config.Attempt, config.CgroupParent);
        return new V1.RunPodSandboxResponse { PodSandboxId = sandbox.Id };
    }
}
