using Grpc.Core;

namespace Berth.Cri;

/// <summary>
/// The status codes the kubelet and critest act on. Bad requests are answered here, before the
/// runtime is touched; the runtime's own NotFound/Precondition exceptions are mapped by the
/// agent's error interceptor.
/// </summary>
internal static class CriErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException Unimplemented(string message) => new(new Status(StatusCode.Unimplemented, message));

    /// <summary>Throws InvalidArgument naming every problem at once.</summary>
    public static void ThrowIfAny(IReadOnlyList<string> problems)
    {
        if (problems.Count > 0)
        {
            throw InvalidArgument(string.Join("; ", problems));
        }
    }
}
