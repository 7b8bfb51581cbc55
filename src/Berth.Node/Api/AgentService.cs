using System.Reflection;
using Berth.Api.V1;
using Berth.Core.Lifecycle;
using Berth.Core.Manifests;
using Berth.Core.Serialization;
using Berth.Images;
using Berth.Runtime;
using Berth.Runtime.Logs;
using Berth.Runtime.Model;
using Berth.Runtime.Pods;
using Google.Protobuf;
using Grpc.Core;

namespace Berth.Node.Api;

/// <summary>berth.v1.Agent: the CLI's door into the agent.</summary>
public sealed partial class AgentService(PodController pods, PodRuntime runtime, IImageStore images, Berth.Cri.Streaming.StreamingServer streaming, AgentOptions options, Stats.IStatsProvider stats) : Agent.AgentBase
{
    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse
        {
            Version = typeof(AgentService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev",
            Runtime = "runc",
            CgroupVersion = pods.Node.CgroupVersion,
        });

    public override async Task<PlayResponse> Play(PlayRequest request, ServerCallContext context)
    {
        var set = Read(request.Files);
        var timeout = request.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds) : options.PlayTimeout;
        var outcome = await pods.PlayAsync(set, timeout, context.CancellationToken);
        var response = new PlayResponse();
        response.Pods.AddRange(outcome.Pods.Select(Summary));
        response.Warnings.AddRange(set.Warnings.Select(w => w.ToString()));
        response.Warnings.AddRange(outcome.Warnings);
        return response;
    }

    public override async Task<DownResponse> Down(DownRequest request, ServerCallContext context)
    {
        var refs = request.Pods.ToList();
        if (request.Files.Count > 0)
        {
            refs.AddRange(Read(request.Files).Pods.Select(p => $"{p.Pod.Metadata.NamespaceProperty ?? "default"}/{p.Pod.Metadata.Name}"));
        }

        var removed = await pods.DownAsync(refs, request.GracePeriodSeconds >= 0 ? request.GracePeriodSeconds : null, context.CancellationToken);
        var response = new DownResponse();
        response.Removed.AddRange(removed);
        return response;
    }

    public override async Task<ListPodsResponse> ListPods(ListPodsRequest request, ServerCallContext context)
    {
        var response = new ListPodsResponse();
        var all = await pods.ListAsync(context.CancellationToken);
        response.Pods.AddRange(all.Where(p => request.All || p.Phase is not (PodPhase.Succeeded or PodPhase.Failed)).Select(Summary));

        // Refused static pods never ran: listed always, as nothing else tells the user of them.
        foreach (var refused in pods.Refused.All)
        {
            var summary = Summary(new PodStatus(refused.AsRecord(), PodPhase.Failed, null, []));
            summary.Reason = refused.Reason;
            response.Pods.Add(summary);
        }

        return response;
    }

    public override async Task<InspectPodResponse> InspectPod(InspectPodRequest request, ServerCallContext context) =>
        new() { Json = (await pods.InspectAsync(request.Pod, context.CancellationToken)).ToJsonString(BerthJson.Options) };

    public override async Task Logs(LogsRequest request, IServerStreamWriter<LogChunk> responseStream, ServerCallContext context)
    {
        var file = pods.LogFile(request.Pod, request.Container, request.Previous);
        var containerId = request.Follow && !request.Previous ? pods.ContainerId(request.Pod, request.Container) : null;
        async Task<bool> Running() => containerId is not null
            && (await runtime.GetContainerAsync(containerId, context.CancellationToken))?.State is ContainerState.Running or ContainerState.Created;
        await foreach (var chunk in CriLog.ReadAsync(file, request.Follow ? Running : null, context.CancellationToken))
        {
            await responseStream.WriteAsync(new LogChunk { Data = ByteString.CopyFrom(chunk) }, context.CancellationToken);
        }
    }

    public override async Task<ExecResponse> Exec(ExecRequest request, ServerCallContext context)
    {
        if (request.Command.Count == 0)
        {
            throw new ArgumentException("exec needs a command");
        }

        var id = pods.ContainerId(request.Pod, request.Container);
        var timeout = request.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds) : TimeSpan.FromMinutes(10);
        var result = await runtime.ExecSyncAsync(id, [.. request.Command], timeout, context.CancellationToken);
        return new ExecResponse
        {
            ExitCode = result.ExitCode,
            Stdout = ByteString.CopyFromUtf8(result.Stdout),
            Stderr = ByteString.CopyFromUtf8(result.Stderr),
        };
    }

    public override async Task<ExecStreamResponse> ExecStream(ExecStreamRequest request, ServerCallContext context)
    {
        if (request.Command.Count == 0)
        {
            throw new ArgumentException("exec needs a command");
        }

        var id = pods.ContainerId(request.Pod, request.Container);
        if (await runtime.GetContainerAsync(id, context.CancellationToken) is not { State: Runtime.Model.ContainerState.Running })
        {
            throw new PreconditionException($"container {request.Container} of pod {request.Pod} is not running");
        }

        return new ExecStreamResponse
        {
            Url = streaming.ExecUrl(new Berth.Cri.Streaming.ExecStreamRequest(id, [.. request.Command], request.Tty, request.Stdin, Stdout: true, Stderr: !request.Tty)),
        };
    }

    private static ManifestSet Read(IEnumerable<ManifestFile> files)
    {
        var sets = new List<ManifestSet>();
        var errors = new List<FieldError>();
        foreach (var file in files)
        {
            try
            {
                sets.Add(ManifestReader.ReadText(file.Content, file.Source));
            }
            catch (ValidationException e)
            {
                errors.AddRange(e.Errors);
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new ManifestSet([.. sets.SelectMany(s => s.Pods)], [.. sets.SelectMany(s => s.LimitRanges)], [.. sets.SelectMany(s => s.Namespaces)], [.. sets.SelectMany(s => s.Warnings)])
        {
            Secrets = [.. sets.SelectMany(s => s.Secrets)],
        };
    }

    private static PodSummary Summary(PodStatus status)
    {
        var summary = new PodSummary
        {
            Name = status.Pod.Name,
            Namespace = status.Pod.Namespace,
            Uid = status.Pod.Uid,
            Phase = status.Phase,
            Message = status.Pod.Message ?? string.Join("; ", status.Containers.Where(c => c.WaitingMessage is not null).Select(c => $"{c.Container.Name}: {c.WaitingReason}: {c.WaitingMessage}")),
            CreatedUnixMs = status.Pod.CreatedAt.ToUnixTimeMilliseconds(),
            QosClass = status.Pod.Plan.QosClass.ToString(),
            PodIps = { status.Sandbox?.Ips ?? [] },
            Reason = status.Pod.Reason ?? "",
        };
        summary.Containers.AddRange(status.Containers.Select(c => new ContainerSummary
        {
            Name = c.Container.Name,
            Id = c.Record?.Id ?? "",
            State = c.State.Text(),
            RestartCount = c.Container.RestartCount,
            ExitCode = c.ExitCode ?? 0,
            Reason = c.Reason ?? "",
            WaitingReason = c.WaitingReason ?? "",
            Init = c.Container.Init,
            Image = c.Record?.Config.Image ?? "",
        }));
        return summary;
    }
}
