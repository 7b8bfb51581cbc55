using Berth.Cri.Images;
using Berth.Cri.Runtime;
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
        services.AddSingleton<Streaming.StreamingRequests>();
        services.AddSingleton<Streaming.StreamingServer>();
        services.AddSingleton<CriRuntimeService>();
        services.AddSingleton<CriImageService>();
        return services;
    }
}
