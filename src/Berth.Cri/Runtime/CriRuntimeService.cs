using System.Text.Json;
using Berth.Images;
using Berth.Runtime;
using Berth.Runtime.Model;
using Microsoft.Extensions.Logging;

namespace Berth.Cri.Runtime;

/// <summary>
/// runtime.v1 RuntimeService: the kubelet's way into <see cref="PodRuntime"/>, the same runtime
/// the standalone path drives. The kubelet has already done QoS, cgroups and admission; this
/// service checks the request, translates it and applies exactly what it says. One file per
/// RPC, named after it; RPCs Berth does not serve (checkpoints, the Stream* variants) fall
/// through to the base class's Unimplemented. Metrics come from the node's housekeeping
/// through <paramref name="metrics"/>.
/// </summary>
public sealed partial class CriRuntimeService(PodRuntime runtime, IImageStore images, Streaming.StreamingServer streaming, IPodSandboxMetricsSource metrics, ILogger<CriRuntimeService> logger) : V1.RuntimeService.RuntimeServiceBase
{
    /// <summary>Runtime handlers this node serves; "" is the default one (runc).</summary>
    internal static readonly IReadOnlyList<string> Handlers = ["", "runc"];

    /// <summary>For the free-form "info" of verbose status answers (crictl inspect shows it).</summary>
    private static readonly JsonSerializerOptions VerboseJson = new(JsonSerializerDefaults.Web);

    private readonly NameReservations names = new();

    // CRI sees only what CRI made (SandboxOrigin.Cri), as containerd's CRI sees only its own
    // namespace: standalone pods are neither listed to nor stoppable by a kubelet.

    private SandboxRecord? CriSandbox(string id, string field = "pod_sandbox_id") =>
        runtime.GetSandbox(CriIds.Require(id, field)) is { Config.Origin: SandboxOrigin.Cri } sandbox ? sandbox : null;

    private async Task<ContainerRecord?> CriContainerAsync(string id, CancellationToken ct) =>
        await runtime.GetContainerAsync(CriIds.Require(id, "container_id"), ct) is { } container && IsCri(container) ? container : null;

    private bool IsCri(ContainerRecord container) => runtime.GetSandbox(container.SandboxId) is { Config.Origin: SandboxOrigin.Cri };

    private SandboxRecord SandboxOrNotFound(string id, string field = "pod_sandbox_id") =>
        CriSandbox(id, field) ?? throw CriErrors.NotFound($"pod sandbox \"{id}\" not found");

    private async Task<ContainerRecord> ContainerOrNotFoundAsync(string id, CancellationToken ct) =>
        await CriContainerAsync(id, ct) ?? throw CriErrors.NotFound($"container \"{id}\" not found");

    private IReadOnlyList<SandboxRecord> CriSandboxes() => [.. runtime.ListSandboxes().Where(s => s.Config.Origin == SandboxOrigin.Cri)];

    /// <summary>Every CRI container, each refreshed.</summary>
    private async Task<IReadOnlyList<ContainerRecord>> CriContainersAsync(CancellationToken ct)
    {
        var sandboxes = CriSandboxes().Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return [.. (await runtime.ListContainersAsync(ct)).Where(c => sandboxes.Contains(c.SandboxId))];
    }

    /// <summary>
    /// How each container's image is shown. The kubelet creates containers by image id (what
    /// PullImage returned); like containerd, report the name the image goes by instead. The
    /// store's index is read at most once per request, and only for containers made by id.
    /// </summary>
    private Func<ContainerRecord, string> ImageNames()
    {
        var tags = new Lazy<Dictionary<string, string>>(() => images.List()
            .Where(i => i.Reference.Tag is not null)
            .GroupBy(i => i.Id)
            .ToDictionary(g => g.Key, g => Images.ImageNames.RepoTag(g.First().Reference)!));
        return c => Images.ImageNames.IsId(c.Config.Image) && tags.Value.TryGetValue(c.ImageId, out var tag) ? tag : c.Config.Image;
    }

    /// <summary>The sandbox's containers, each refreshed (exits learned), without refreshing the rest of the node's.</summary>
    private async Task<IReadOnlyList<ContainerRecord>> ContainersOfAsync(string sandboxId, CancellationToken ct)
    {
        var result = new List<ContainerRecord>();
        foreach (var container in runtime.ContainersOf(sandboxId).OrderBy(c => c.CreatedAt))
        {
            if (await runtime.GetContainerAsync(container.Id, ct) is { } current)
            {
                result.Add(current);
            }
        }

        return result;
    }
}
