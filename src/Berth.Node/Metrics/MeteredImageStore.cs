using Berth.Images;
using Berth.Images.Registry;

namespace Berth.Node.Metrics;

/// <summary>
/// The image store as the agent uses it, with every pull counted into
/// <see cref="AgentMetrics.ImagePulled"/>: CRI PullImage, berth image pull and the pulls a play
/// makes all go through the one store, so each is counted once.
/// </summary>
public sealed class MeteredImageStore(IImageStore inner, AgentMetrics metrics) : IImageStore
{
    public async Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        try
        {
            var image = await inner.PullAsync(reference, options, progress, ct).ConfigureAwait(false);
            metrics.ImagePulled("success");
            return image;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.ImagePulled(ResultOf(e));
            throw;
        }
    }

    /// <summary>The failure label: the registry's kind of refusal, else "error".</summary>
    public static string ResultOf(Exception e) => e switch
    {
        RegistryException { Kind: RegistryErrorKind.NotFound } => "not_found",
        RegistryException { Kind: RegistryErrorKind.Unauthorized } => "unauthorized",
        RegistryException { Kind: RegistryErrorKind.Unavailable } => "unavailable",
        RegistryException { Kind: RegistryErrorKind.Invalid } => "invalid",
        _ => "error",
    };

    public Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct) => inner.ImportAsync(rootfsDir, reference, ct);

    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct) => inner.LoadAsync(path, name, ct);

    public Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct) => inner.SaveAsync(references, outputFile, ct);

    public IReadOnlyList<ImageRecord> List() => inner.List();

    public ImageRecord? Find(string reference) => inner.Find(reference);

    public Task RemoveAsync(string reference, CancellationToken ct) => inner.RemoveAsync(reference, ct);

    public Task MarkUsedAsync(string id, CancellationToken ct) => inner.MarkUsedAsync(id, ct);

    public Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct) => inner.PruneAsync(inUse, ct);

    public Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct) => inner.CollectAsync(policy, inUse, ct);
}
