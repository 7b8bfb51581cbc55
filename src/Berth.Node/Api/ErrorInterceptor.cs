using Berth.Core.Manifests;
using Berth.Linux;
using Berth.Runtime;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Berth.Node.Api;

/// <summary>
/// Maps Berth's exceptions to gRPC status codes in one place: bad input → InvalidArgument (every
/// validation error on its own line), unknown things → NotFound, wrong state → FailedPrecondition,
/// a failed network plugin → Unavailable,
/// failed tools → Internal with the command, exit code and stderr. Never a stack trace to a client.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Map(e, context.Method) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e, context.Method) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private Status? Map(Exception e, string method)
    {
        switch (e)
        {
            case RpcException:
            case OperationCanceledException:
                return null;
            case ValidationException v:
                return new Status(StatusCode.InvalidArgument, string.Join("\n", v.Errors));
            case NotFoundException or KeyNotFoundException:
                return new Status(StatusCode.NotFound, e.Message);
            case PreconditionException:
                return new Status(StatusCode.FailedPrecondition, e.Message);
            case ArgumentException or FormatException:
                return new Status(StatusCode.InvalidArgument, e.Message);
            case Runtime.Network.CniException:
                // The node's network plugin failed; the kubelet retries the sandbox.
                logger.LogWarning("{Method}: {Error}", method, e.Message);
                return new Status(StatusCode.Unavailable, e.Message);
            default:
                logger.LogError(e, "{Method} failed", method);
                return new Status(StatusCode.Internal, e is CommandException ? e.Message : $"{e.GetType().Name}: {e.Message}");
        }
    }
}
