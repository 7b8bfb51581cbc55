using System.Text.Json;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    public override Task<V1.StatusResponse> Status(V1.StatusRequest request, ServerCallContext context)
    {
        var response = new V1.StatusResponse
        {
            Status = new V1.RuntimeStatus
            {
                Conditions =
                {
                    new V1.RuntimeCondition { Type = "RuntimeReady", Status = true },

                    // Honest about the missing piece: pods get loopback only. The kubelet then
                    // admits only host-network pods, which is what works.
                    new V1.RuntimeCondition
                    {
                        Type = "NetworkReady",
                        Status = false,
                        Reason = "NetworkPluginNotReady",
                        Message = "Berth has no pod network yet: pods get a loopback interface only; use hostNetwork",
                    },
                },
            },
            Features = new V1.RuntimeFeatures { SupplementalGroupsPolicy = true },
        };
        foreach (var handler in Handlers)
        {
            response.RuntimeHandlers.Add(new V1.RuntimeHandler
            {
                Name = handler,
                Features = new V1.RuntimeHandlerFeatures { CgroupNamespaces = true },
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
            }, VerboseJson);
        }

        return Task.FromResult(response);
    }
}
