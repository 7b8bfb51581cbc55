using Berth.Linux;
using Google.Protobuf;
using Grpc.Core;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// Runs a command in a running container and returns its output and exit code (a non-zero
    /// exit is an answer, not an error). With a timeout the command is killed when it runs out
    /// and the call fails with DeadlineExceeded, which is how the kubelet's exec probes see a
    /// timeout.
    /// </summary>
    public override async Task<V1.ExecSyncResponse> ExecSync(V1.ExecSyncRequest request, ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        if (request.Cmd.Count == 0)
        {
            throw CriErrors.InvalidArgument("cmd is required");
        }

        if (request.Timeout < 0)
        {
            throw CriErrors.InvalidArgument($"timeout {request.Timeout} is negative");
        }

        var timeout = request.Timeout == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(request.Timeout);
        try
        {
            var result = await runtime.ExecSyncAsync(container.Id, [.. request.Cmd], timeout, context.CancellationToken);
            return new V1.ExecSyncResponse
            {
                ExitCode = result.ExitCode,
                Stdout = ByteString.CopyFromUtf8(result.Stdout),
                Stderr = ByteString.CopyFromUtf8(result.Stderr),
            };
        }
        catch (CommandException e) when (e.Outcome.ExitCode == -1)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"command {string.Join(' ', request.Cmd)} timed out after {request.Timeout} s"));
        }
    }
}
