using System.Diagnostics;
using Berth.Node.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Berth.Node.Api;

/// <summary>Times every unary CRI call (runtime.v1's RuntimeService and ImageService) into
/// <see cref="AgentMetrics.CriRequest"/>, failed ones too, by RPC name. The CLI's own API is
/// not CRI and is left out.</summary>
public sealed class CriTimingInterceptor(AgentMetrics metrics) : Interceptor
{
    private const string CriPrefix = "/runtime.v1.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!context.Method.StartsWith(CriPrefix, StringComparison.Ordinal))
        {
            return await continuation(request, context);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            return await continuation(request, context);
        }
        finally
        {
            metrics.CriRequest(context.Method[(context.Method.LastIndexOf('/') + 1)..], Stopwatch.GetElapsedTime(started));
        }
    }
}
