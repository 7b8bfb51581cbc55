using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Store;

namespace Berth.Images;

/// <summary>
/// The OCI content store on this node:
/// <code>
/// &lt;root&gt;/index.json              names → digests (the only place names live)
/// &lt;root&gt;/blobs/sha256/&lt;hex&gt;      manifests, indexes, configs, layer blobs (verified)
/// &lt;root&gt;/ingest/                 partial downloads, resumed by the next pull
/// &lt;root&gt;/layers/&lt;diff id&gt;/diff    unpacked layers, shared by every image that has them
/// &lt;root&gt;/l/&lt;short&gt;              short links to layers, for overlay's lowerdir
/// &lt;root&gt;/images/&lt;manifest&gt;.json  what an image's manifest and config say, for listing
/// &lt;root&gt;/last-used.json         when containers last started from each image
/// </code>
/// Content becomes visible by renames after it is complete and verified, and a name is written
/// into index.json only after everything it needs is there, so after a crash readers see the old
/// state or the new one. One store instance per root: the lock ordering index changes and the
/// leases protecting the content of pulls in progress are in-process.
/// <para>
/// This class only wires the parts together: the <see cref="ImageIndex"/> of names, the
/// <see cref="ContentLeases"/>, the <see cref="ImagePuller"/>, the <see cref="ArchiveLoader"/> and
/// <see cref="ArchiveWriter"/>, the <see cref="RootfsImporter"/> and the <see cref="ImageCollector"/>.
/// </para>
/// </summary>
public sealed class LocalImageStore : IImageStore, IDisposable
{
    public const string DefaultRoot = "/var/lib/berth/images";

    /// <summary>The annotation containerd and docker put the full image name in.</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";

    /// <summary>The OCI layout annotation naming a manifest; usually just the tag.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private readonly ImageIndex _index;
    private readonly ImagePuller _puller;
    private readonly ArchiveLoader _loader;
    private readonly ArchiveWriter _writer;
    private readonly RootfsImporter _importer;
    private readonly ImageCollector _collector;

    public LocalImageStore(string root = DefaultRoot)
        : this(new ImageStoreOptions { Root = root })
    {
    }

    public LocalImageStore(ImageStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Root);
        Root = Path.GetFullPath(options.Root);
        var content = new ContentStore(Root);
        var layers = new LayerStore(Root, content);
        var images = new StoredImages(Root, content, layers);
        var leases = new ContentLeases();
        var sweeper = new ContentSweeper(Root, content, layers, images, leases);
        _index = new ImageIndex(Root, images, layers, sweeper);
        _puller = new ImagePuller(options, Root, content, layers, leases, _index);
        _loader = new ArchiveLoader(options.Platform, Root, content, layers, leases, _index);
        _writer = new ArchiveWriter(Root, content, leases, _index);
        _importer = new RootfsImporter(options.Platform, Root, content, layers, leases, _index);
        _collector = new ImageCollector(Root, _index, sweeper);
    }

    public string Root { get; }

    public IReadOnlyList<ImageRecord> List() => _index.List();

    public ImageRecord? Find(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return _index.Find(reference);
    }

    public Task RemoveAsync(string reference, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return _index.RemoveAsync(reference, ct);
    }

    public Task MarkUsedAsync(string id, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return _index.MarkUsedAsync(id, ct);
    }

    public Task<ImageRecord> PullAsync(string reference, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return _puller.PullAsync(reference, options ?? PullOptions.Default, progress, ct);
    }

    public Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return _loader.LoadAsync(path, name, ct);
    }

    public Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        return _writer.SaveAsync(references, outputFile, ct);
    }

    public Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootfsDir);
        ArgumentNullException.ThrowIfNull(reference);
        return _importer.ImportAsync(rootfsDir, reference, ct);
    }

    public Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        return _collector.PruneAsync(inUse, ct);
    }

    public Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(inUse);
        return _collector.CollectAsync(policy, inUse, ct);
    }

    /// <summary>
    /// Deletes what crashes leave: half-unpacked layers, trash not yet deleted, stray temp files.
    /// Partial downloads stay: the next pull of their image resumes them. Meant for startup,
    /// before another operation could be using the store.
    /// </summary>
    public Task CollectGarbageAsync(CancellationToken ct) => _collector.CollectGarbageAsync(ct);

    public void Dispose()
    {
        _puller.Dispose();
        _index.Dispose();
    }
}
