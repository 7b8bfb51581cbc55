using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet (1.28+) takes its cgroup driver from here: Berth's is cgroupfs.</summary>
    public override Task<V1.RuntimeConfigResponse> RuntimeConfig(V1.RuntimeConfigRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.RuntimeConfigResponse
        {
            Linux = new V1.LinuxRuntimeConfiguration { CgroupDriver = V1.CgroupDriver.Cgroupfs },
        });
}
