using Berth.Cri.Streaming;

namespace Berth.Cri.Runtime;

public sealed partial class CriRuntimeService
{
    /// <summary>A URL on the streaming server where the client joins the container's own stdio
    /// (through its conmon's attach socket); valid once, for a minute.</summary>
    public override async Task<V1.AttachResponse> Attach(V1.AttachRequest request, Grpc.Core.ServerCallContext context)
    {
        var container = await ContainerOrNotFoundAsync(request.ContainerId, context.CancellationToken);
        CheckStdio(container, request.Stdin, request.Stdout, request.Stderr, request.Tty);

        if (request.Stdin && !container.Config.Stdin)
        {
            throw CriErrors.FailedPrecondition($"container {container.Id} was not created with stdin: there is no input to attach to");
        }

        return new V1.AttachResponse
        {
            Url = streaming.AttachUrl(new AttachStreamRequest(container.Id, request.Tty || container.Config.Tty, request.Stdin, request.Stdout, request.Stderr)),
        };
    }
}
