using System.Text.Json;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override async Task<V1.StatusResponse> Status(V1.StatusRequest request, ServerCallContext context)
    {
        // Advertised only where the probe made an idmapped overlay layer in a user namespace.
        var userNamespaces = await runtime.UserNamespaces.UnsupportedReasonAsync() is null;
        var response = new V1.StatusResponse
        {
            Status = new V1.RuntimeStatus
            {
                Conditions =
                {
                    new V1.RuntimeCondition { Type = "RuntimeReady", Status = true },

                    NetworkCondition(),
                },
            },
            Features = new V1.RuntimeFeatures { SupplementalGroupsPolicy = true },
        };
        foreach (var handler in Handlers)
        {
            response.RuntimeHandlers.Add(new V1.RuntimeHandler
            {
                Name = handler,
                Features = new V1.RuntimeHandlerFeatures { CgroupNamespaces = true, UserNamespaces = userNamespaces },
            });
        }

        if (request.Verbose)
        {
            var options = runtime.Options;
            response.Info["config"] = JsonSerializer.Serialize(new
            {
                options.Root,
                options.RunRoot,
                options.CgroupRoot,
                options.LogRoot,
                CgroupDriver = "cgroupfs",
                CgroupVersion = runtime.CgroupVersion,
                options.RuncBinary,
                options.ConmonBinary,
                options.InfraBinary,
                options.CniConfDir,
                options.CniBinDirs,
                CniNetwork = runtime.Network.Current().Config?.Name,
            }, VerboseJson);
        }

        return response;
    }

    /// <summary>Ready when the CNI configuration directory has a valid list whose plugins are
    /// all installed; otherwise pods get a loopback interface only, and the message says why.</summary>
    private V1.RuntimeCondition NetworkCondition()
    {
        var (config, problem) = runtime.Network.Current();
        return config is not null
            ? new V1.RuntimeCondition { Type = "NetworkReady", Status = true }
            : new V1.RuntimeCondition { Type = "NetworkReady", Status = false, Reason = "NetworkPluginNotReady", Message = $"pods get a loopback interface only: {problem}" };
    }
}
