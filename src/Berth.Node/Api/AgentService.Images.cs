using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.V1;
using Berth.Core.Serialization;
using Berth.Images;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Registry;
using Berth.Runtime;
using Grpc.Core;

namespace Berth.Node.Api;

// The image rpcs: import, pull, load, save, list, inspect, remove, prune.
public sealed partial class AgentService
{
    public override async Task<ImageInfo> ImportImage(ImportImageRequest request, ServerCallContext context)
    {
        if (!Directory.Exists(request.RootfsDir))
        {
            throw new ArgumentException($"rootfs directory {request.RootfsDir} does not exist");
        }

        return Info(await images.ImportAsync(request.RootfsDir, ImageReference.Parse(request.Reference), context.CancellationToken));
    }

    public override async Task PullImage(PullImageRequest request, IServerStreamWriter<PullImageEvent> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var options = new PullOptions
        {
            Credentials = request.Username.Length > 0 || request.RegistryToken.Length > 0
                ? new RegistryCredentials(request.Username, request.Password, request.RegistryToken.Length > 0 ? request.RegistryToken : null)
                : null,
            Platform = request.Platform.Length > 0 ? Platform.Parse(request.Platform) : null,
        };

        // Progress arrives on the pull's threads; one writer drains it onto the stream in order.
        var events = Channel.CreateUnbounded<PullProgress>(new UnboundedChannelOptions { SingleReader = true });
        var pull = PullAsync(request.Reference, options, new ChannelProgress(events.Writer), events.Writer, ct);
        await foreach (var step in events.Reader.ReadAllAsync(ct))
        {
            await responseStream.WriteAsync(new PullImageEvent { Status = step.Status.ToString(), Id = step.Id, Current = step.Current, Total = step.Total }, ct);
        }

        var image = await pull;
        await responseStream.WriteAsync(new PullImageEvent { Status = "Pulled", Id = image.Reference.ToString(), Image = Info(image) }, ct);
    }

    public override async Task<LoadImageResponse> LoadImage(LoadImageRequest request, ServerCallContext context)
    {
        var name = request.Name.Length > 0 ? ImageReference.Parse(request.Name) : null;
        var loaded = await Mapped(() => images.LoadAsync(request.Path, name, context.CancellationToken));
        var response = new LoadImageResponse();
        response.Images.AddRange(loaded.Select(Info));
        return response;
    }

    public override async Task<SaveImageResponse> SaveImage(SaveImageRequest request, ServerCallContext context)
    {
        if (request.Output.Length == 0 || !Path.IsPathFullyQualified(request.Output))
        {
            throw new ArgumentException("save needs an absolute output path");
        }

        await Mapped(async () =>
        {
            await images.SaveAsync([.. request.References], request.Output, context.CancellationToken);
            return 0;
        });
        return new SaveImageResponse();
    }

    public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        var response = new ListImagesResponse();
        response.Images.AddRange(images.List().Select(Info));
        return Task.FromResult(response);
    }

    public override Task<InspectImageResponse> InspectImage(InspectImageRequest request, ServerCallContext context)
    {
        var image = images.Find(request.Reference) ?? throw new NotFoundException($"image \"{request.Reference}\" not found");
        var names = images.List().Where(i => i.Id == image.Id).ToList();
        var document = new JsonObject
        {
            ["id"] = image.Id,
            ["repoTags"] = Array(names.Where(n => n.Reference.Tag is not null).Select(n => n.Reference.ToString())),
            ["repoDigests"] = Array(names.Select(n => n.RepoDigest).OfType<string>().Distinct()),
            ["manifestDigest"] = image.ManifestDigest?.ToString(),
            ["created"] = image.Created.ToString("O"),
            ["added"] = image.Added.ToString("O"),
            ["lastUsed"] = image.LastUsed?.ToString("O"),
            ["size"] = image.Size,
            ["os"] = image.Os,
            ["architecture"] = image.Architecture,
            ["config"] = new JsonObject
            {
                ["entrypoint"] = Array(image.Config.Entrypoint),
                ["cmd"] = Array(image.Config.Cmd),
                ["env"] = Array(image.Config.Env),
                ["workingDir"] = image.Config.WorkingDir,
                ["user"] = image.Config.User,
                ["exposedPorts"] = Array(image.Config.ExposedPorts),
                ["stopSignal"] = image.Config.StopSignal,
                ["labels"] = new JsonObject(image.Config.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
            },
            ["layers"] = Array(image.Layers),
            ["overlayLowerDir"] = image.OverlayLowerDir,
        };
        return Task.FromResult(new InspectImageResponse { Json = document.ToJsonString(BerthJson.Options) });
    }

    public override async Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context)
    {
        var image = images.Find(request.Reference) ?? throw new NotFoundException($"image \"{request.Reference}\" not found");
        var users = (await runtime.ListContainersAsync(context.CancellationToken)).Where(c => c.ImageId == image.Id).ToList();
        if (users.Count > 0 && !request.Force)
        {
            throw new PreconditionException($"image {image.Reference} is used by {users.Count} container(s); remove their pods first or use --force");
        }

        await images.RemoveAsync(request.Reference, context.CancellationToken);
        return new RemoveImageResponse();
    }

    public override async Task<PruneImagesResponse> PruneImages(PruneImagesRequest request, ServerCallContext context)
    {
        var used = (await runtime.ListContainersAsync(context.CancellationToken)).Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        var result = await images.PruneAsync(used.Contains, context.CancellationToken);
        var response = new PruneImagesResponse { BytesFreed = result.BytesFreed };
        response.Removed.AddRange(result.RemovedNames);
        return response;
    }

    private async Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress> progress, ChannelWriter<PullProgress> events, CancellationToken ct)
    {
        try
        {
            return await Mapped(() => images.PullAsync(reference, options, progress, ct));
        }
        finally
        {
            events.TryComplete();
        }
    }

    /// <summary>
    /// Image failures as gRPC statuses the CLI shows as they are. Never Unavailable: to the CLI
    /// that means the agent itself is not there.
    /// </summary>
    private static async Task<T> Mapped<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (RegistryException e)
        {
            var code = e.Kind switch
            {
                RegistryErrorKind.Unauthorized => StatusCode.PermissionDenied,
                RegistryErrorKind.NotFound => StatusCode.NotFound,
                _ => StatusCode.Unknown,
            };
            throw new RpcException(new Status(code, e.Message));
        }
        catch (Exception e) when (e is LayerRejectedException or BlobVerificationException or InvalidDataException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (FileNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    private static ImageInfo Info(ImageRecord image) => new()
    {
        Id = image.Id,
        Reference = image.Reference.ToString(),
        Size = image.Size,
        CreatedUnixMs = image.Created.ToUnixTimeMilliseconds(),
        RepoDigest = image.RepoDigest ?? "",
        Repository = image.Reference.Repository,
        Tag = image.Reference.Tag ?? "",
        LastUsedUnixMs = image.LastUsed?.ToUnixTimeMilliseconds() ?? 0,
    };

    /// <summary>Progress&lt;T&gt; posts to a synchronization context; this writes straight into the channel.</summary>
    private sealed class ChannelProgress(ChannelWriter<PullProgress> writer) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => writer.TryWrite(value);
    }
}
