using Berth.Images;
using Berth.Runtime;
using Berth.Runtime.Pods;

namespace Berth.Node.Eviction;

/// <summary>What the eviction manager may do to the node: see its pods, free unused images,
/// evict one pod. A seam, so the manager's decisions are tested without a node.</summary>
public interface IEvictionActions
{
    /// <summary>Every pod record; the manager keeps the active ones.</summary>
    IReadOnlyCollection<PodRecord> Pods { get; }

    /// <summary>The kubelet's imageGC.DeleteUnusedImages: every image no container uses (past the
    /// minimum age). Returns the bytes freed.</summary>
    Task<long> DeleteUnusedImagesAsync(CancellationToken ct);

    /// <inheritdoc cref="PodController.DeleteDeadContainersAsync"/>
    Task<int> DeleteDeadContainersAsync(CancellationToken ct);

    /// <inheritdoc cref="PodController.EvictAsync"/>
    Task<PodRecord?> EvictAsync(string uid, string message, long gracePeriodSeconds, DateTimeOffset now, CancellationToken ct, IReadOnlyDictionary<string, string>? annotations = null);
}

/// <summary>The agent's own pods and image store.</summary>
public sealed class NodeEvictionActions(PodController pods, PodRuntime runtime, IImageStore images) : IEvictionActions
{
    public IReadOnlyCollection<PodRecord> Pods => pods.Records.All;

    public Task<int> DeleteDeadContainersAsync(CancellationToken ct) => pods.DeleteDeadContainersAsync(ct);

    public async Task<long> DeleteUnusedImagesAsync(CancellationToken ct)
    {
        var used = (await runtime.ListContainersAsync(ct)).Select(c => c.ImageId).ToHashSet();

        // Thresholds of 0: collect down to nothing, which removes every unused image, as
        // DeleteUnusedImages frees space without a target (freeSpace with math.MaxInt64).
        var result = await images.CollectAsync(new ImageGcPolicy(0, 0), used.Contains, ct);
        return result.BytesFreed;
    }

    public Task<PodRecord?> EvictAsync(string uid, string message, long gracePeriodSeconds, DateTimeOffset now, CancellationToken ct, IReadOnlyDictionary<string, string>? annotations = null) =>
        pods.EvictAsync(uid, message, gracePeriodSeconds, now, ct, annotations);
}
