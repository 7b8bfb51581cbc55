namespace Berth.Images.Tests;

public sealed class CollectTests : IDisposable
{
    private const int LayerBytes = 100_000;

    private readonly TempDirectory _scratch = new();
    private readonly LocalImageStore _store;

    public CollectTests() => _store = new LocalImageStore(_scratch["store"]);

    public void Dispose()
    {
        _store.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Above_the_high_threshold_unused_images_go_least_recently_used_first_down_to_the_low_one()
    {
        var images = new Dictionary<string, ImageRecord>();
        foreach (var name in new[] { "old", "older", "in-use", "recent" })
        {
            images[name] = await LoadAsync(name);
        }

        // LRU order: older, old, recent; in-use is oldest of all but a container has it.
        await _store.MarkUsedAsync(images["in-use"].Id, CancellationToken.None);
        await Task.Delay(20);
        await _store.MarkUsedAsync(images["older"].Id, CancellationToken.None);
        await Task.Delay(20);
        await _store.MarkUsedAsync(images["old"].Id, CancellationToken.None);
        await Task.Delay(20);
        await _store.MarkUsedAsync(images["recent"].Id, CancellationToken.None);

        // 83.5% used of 10 MB, above 83%: getting to 80% means freeing 2 MB minus what is free,
        // about 1.75 images' worth.
        var capacity = 10_000_000L;
        var toFree = (3 * LayerBytes) + (LayerBytes / 2);
        var policy = new ImageGcPolicy(HighThresholdPercent: 83, LowThresholdPercent: 80)
        {
            MinimumAge = TimeSpan.Zero,
            Usage = () => new DiskUsage(capacity, (capacity / 5) - toFree),
        };

        var result = await _store.CollectAsync(policy, id => id == images["in-use"].Id, CancellationToken.None);

        Assert.Equal([images["older"].Id, images["old"].Id], result.RemovedImages);
        Assert.Equal(["older:v1", "old:v1"], result.RemovedNames);
        Assert.InRange(result.BytesFreed, toFree, 6 * LayerBytes);
        Assert.Equal(["in-use:v1", "recent:v1"], _store.List().Select(i => i.Reference.ToString()));
        Assert.False(Directory.Exists(images["older"].Layers[0]));
        Assert.True(Directory.Exists(images["in-use"].Layers[0]));
    }

    [Fact]
    public async Task Below_the_high_threshold_or_within_the_minimum_age_nothing_goes()
    {
        await LoadAsync("young");

        var calm = await _store.CollectAsync(new ImageGcPolicy(85, 80) { MinimumAge = TimeSpan.Zero, Usage = () => new DiskUsage(100, 50) }, _ => false, CancellationToken.None);
        var young = await _store.CollectAsync(new ImageGcPolicy(85, 80) { Usage = () => new DiskUsage(100, 1) }, _ => false, CancellationToken.None);

        Assert.Empty(calm.RemovedImages);
        Assert.Empty(young.RemovedImages);
        Assert.Single(_store.List());
        Assert.Throws<ArgumentException>(() => new ImageGcPolicy(70, 80).Validate());
    }

    [Fact]
    public async Task Prune_removes_every_unused_image_and_unreferenced_content()
    {
        var used = await LoadAsync("used");
        var unused = await LoadAsync("unused");
        Directory.CreateDirectory(Path.Combine(_store.Root, "ingest"));
        File.WriteAllText(Path.Combine(_store.Root, "ingest", "sha256-" + new string('b', 64) + ".partial"), "stale");

        var result = await _store.PruneAsync(id => id == used.Id, CancellationToken.None);

        Assert.Equal([unused.Id], result.RemovedImages);
        Assert.Equal([used.Id], _store.List().Select(i => i.Id));
        Assert.False(Directory.Exists(unused.Layers[0]));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_store.Root, "ingest")));
        var blobs = Directory.EnumerateFiles(Path.Combine(_store.Root, "blobs", "sha256")).Select(Path.GetFileName).ToList();
        Assert.Equal(3, blobs.Count);
        Assert.Contains(used.Id, blobs);
    }

    /// <summary>An image of one uncompressed layer of random bytes: each image frees about 2 × LayerBytes.</summary>
    private async Task<ImageRecord> LoadAsync(string name)
    {
        var layout = _scratch["layout-" + name];
        var image = TestLayout.WriteImage(layout, [(TestLayout.RandomFile("data", LayerBytes), Compression.None)]);
        TestLayout.Name(layout, (image, "v1"));
        return Assert.Single(await _store.LoadAsync(layout, ImageReference.Parse(name), CancellationToken.None));
    }
}
