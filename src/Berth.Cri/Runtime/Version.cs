using System.Reflection;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>The kubelet's own CRI version string; it only checks that a runtime answers.</summary>
    private const string KubeletApiVersion = "0.1.0";

    public override Task<V1.VersionResponse> Version(V1.VersionRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.VersionResponse
        {
            Version = KubeletApiVersion,
            RuntimeName = "berth",
            RuntimeVersion = typeof(CriRuntimeService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0",
            RuntimeApiVersion = "v1",
        });
}
