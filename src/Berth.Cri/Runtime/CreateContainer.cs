using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// Creates the container (runc create under conmon) without starting it. The image is looked
    /// up in the store by the name or id the request gives; its Entrypoint, Cmd, Env, WorkingDir
    /// and User apply under the request's as Kubernetes defines. The sandbox_config the kubelet
    /// repeats here is not needed: the sandbox's record has it.
    /// </summary>
    public override async Task<V1.CreateContainerResponse> CreateContainer(V1.CreateContainerRequest request, ServerCallContext context)
    {
        var sandbox = SandboxOrNotFound(request.PodSandboxId);
        var config = ContainerRequests.From(request.Config, sandbox, runtime.CgroupVersion);
        var name = $"{sandbox.Id}/{config.Name}/{config.Attempt}";
        using var reservation = names.TryReserve("container:" + name) ?? throw CriErrors.AlreadyExists($"container {config.Name} (attempt {config.Attempt}) is being created in sandbox {sandbox.Id}");
        var ct = context.CancellationToken;
        if ((await ContainersOfAsync(sandbox.Id, ct)).FirstOrDefault(c => c.Config.Name == config.Name && c.Config.Attempt == config.Attempt) is { } existing)
        {
            throw CriErrors.AlreadyExists($"container {config.Name} (attempt {config.Attempt}) already exists in sandbox {sandbox.Id} as {existing.Id}");
        }

        if (config.PidTarget is { } target && await CriContainerAsync(target, ct) is null)
        {
            throw CriErrors.NotFound($"target container \"{target}\" not found");
        }

        try
        {
            var container = await runtime.CreateContainerAsync(sandbox.Id, config, ct);
            logger.LogInformation("CRI: container {ContainerId} ({Name}, attempt {Attempt}) created in sandbox {SandboxId}", container.Id, config.Name, config.Attempt, sandbox.Id);
            return new V1.CreateContainerResponse { ContainerId = container.Id };
        }
        catch (FormatException e)
        {
            throw CriErrors.InvalidArgument($"config.image.image \"{config.Image}\": {e.Message}");
        }
    }
}
