using Berth.Cri.Images;
using Berth.Cri.Runtime;
using Berth.Cri.Streaming.PortForward;
using Berth.Cri.Streaming.RemoteCommand;
using Berth.Runtime;
using Berth.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Cri;

public static class CriServices
{
    /// <summary>
    /// Registers both CRI services as singletons (gRPC would otherwise make one per call): the
    /// runtime service reserves names across calls. Map them with MapGrpcService as usual.
    /// </summary>
    public static IServiceCollection AddCri(this IServiceCollection services)
    {
        services.AddSingleton<IPodStreams>(provider => provider.GetRequiredService<PodRuntime>().Streams);
        services.AddSingleton<Streaming.StreamingRequests>();
        services.AddSingleton<ExecHandler>();
        services.AddSingleton<AttachHandler>();
        services.AddSingleton<PortForwardHandler>();
        services.AddSingleton<Streaming.StreamingServer>();
        services.AddSingleton<CriRuntimeService>();
        services.AddSingleton<CriImageService>();
        return services;
    }
}
