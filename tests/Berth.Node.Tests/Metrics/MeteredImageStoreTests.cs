using Berth.Images;
using Berth.Images.Registry;
using Berth.Node.Metrics;

namespace Berth.Node.Tests.Metrics;

public class MeteredImageStoreTests
{
    private readonly AgentMetrics metrics = new();

    [Fact]
    public async Task Every_pull_is_counted_by_its_result_and_failures_still_reach_the_caller()
    {
        var image = new ImageRecord("sha256:" + new string('a', 64), ImageReference.Parse("registry.example/busybox:1.0"), DateTimeOffset.UnixEpoch, 1, [], null!);
        var outcomes = new Queue<Func<ImageRecord>>([
            () => image,
            () => throw new RegistryException(RegistryErrorKind.Unauthorized, "requires authentication"),
            () => throw new RegistryException(RegistryErrorKind.NotFound, "manifest unknown"),
            () => throw new IOException("disk full"),
        ]);
        var store = new MeteredImageStore(new PullingStore(() => outcomes.Dequeue()()), metrics);

        Assert.Same(image, await store.PullAsync("registry.example/busybox:1.0", PullOptions.Default, null, CancellationToken.None));
        await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync("x", PullOptions.Default, null, CancellationToken.None));
        await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync("x", PullOptions.Default, null, CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => store.PullAsync("x", PullOptions.Default, null, CancellationToken.None));

        var text = await PrometheusText.ExportAsync(metrics.Registry);
        Assert.Equal(1, text.Value("berth_image_pulls_total", "result=success"));
        Assert.Equal(1, text.Value("berth_image_pulls_total", "result=unauthorized"));
        Assert.Equal(1, text.Value("berth_image_pulls_total", "result=not_found"));
        Assert.Equal(1, text.Value("berth_image_pulls_total", "result=error"));
    }

    [Fact]
    public async Task A_cancelled_pull_is_not_a_result()
    {
        var store = new MeteredImageStore(new PullingStore(() => throw new OperationCanceledException()), metrics);

        await Assert.ThrowsAsync<OperationCanceledException>(() => store.PullAsync("x", PullOptions.Default, null, CancellationToken.None));

        Assert.Empty((await PrometheusText.ExportAsync(metrics.Registry)).All("berth_image_pulls_total"));
    }

    /// <summary>A store that only pulls; the decorator must not touch anything else here.</summary>
    private sealed class PullingStore(Func<ImageRecord> pull) : IImageStore
    {
        public Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct) => Task.FromResult(pull());

        public Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct) => throw new NotSupportedException();

        public Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct) => throw new NotSupportedException();

        public IReadOnlyList<ImageRecord> List() => throw new NotSupportedException();

        public ImageRecord? Find(string reference) => throw new NotSupportedException();

        public Task RemoveAsync(string reference, CancellationToken ct) => throw new NotSupportedException();

        public Task MarkUsedAsync(string id, CancellationToken ct) => throw new NotSupportedException();

        public Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct) => throw new NotSupportedException();

        public Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct) => throw new NotSupportedException();
    }
}
