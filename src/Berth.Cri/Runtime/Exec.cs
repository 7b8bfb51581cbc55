using Berth.Cri.Streaming;
using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>
    /// A URL on the streaming server where the client (the kubelet's proxy, crictl) upgrades to
    /// SPDY and runs the command interactively; valid once, for a minute.
    /// </summary>
    public override async Task<V1.ExecResponse> Exec(V1.ExecRequest request, Grpc.Core.ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        if (request.Cmd.Count == 0)
        {
            throw CriErrors.InvalidArgument("cmd is required");
        }

        CheckStdio(container, request.Stdin, request.Stdout, request.Stderr, request.Tty);

        return new V1.ExecResponse
        {
            Url = streaming.ExecUrl(new ExecStreamRequest(container.Id, [.. request.Cmd], request.Tty, request.Stdin, request.Stdout, request.Stderr)),
        };
    }

    /// <summary>What Exec and Attach both require: some stream, one output with a tty, a running container.</summary>
    private static void CheckStdio(ContainerRecord container, bool stdin, bool stdout, bool stderr, bool tty)
    {
        if (!stdin && !stdout && !stderr)
        {
            throw CriErrors.InvalidArgument("one of stdin, stdout and stderr must be true");
        }

        if (tty && stderr)
        {
            throw CriErrors.InvalidArgument("tty and stderr cannot both be true: a terminal has one output");
        }

        if (container.State != ContainerState.Running)
        {
            throw CriErrors.FailedPrecondition($"container {container.Id} is not running");
        }
    }
}
