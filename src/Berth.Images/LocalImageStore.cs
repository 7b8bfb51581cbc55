using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Images.Registry;
using Berth.Linux;

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
/// </summary>
public sealed partial class LocalImageStore : IImageStore, IDisposable
{
    public const string DefaultRoot = "/var/lib/berth/images";

    private const string IndexFile = "index.json";
    private const string UsageFile = "last-used.json";
    private const string ImagesDir = "images";
    private const string TrashDir = "trash";
    private const int SchemaVersion = 2;

    private readonly ImageStoreOptions _options;
    private readonly ContentStore _content;
    private readonly LayerStore _layers;
    private readonly Lazy<RegistryClient> _registry;
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private readonly SemaphoreSlim _downloads;
    private readonly InFlight<string> _fetching = new();

    // Content that pulls, loads and imports in progress have written or will write, by "blob:"
    // or "layer:" digest, with a count per holder: collection never removes it.
    private readonly Dictionary<string, int> _leases = new(StringComparer.Ordinal);

    public LocalImageStore(string root = DefaultRoot)
        : this(new ImageStoreOptions { Root = root })
    {
    }

    public LocalImageStore(ImageStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Root);
        _options = options;
        Root = Path.GetFullPath(options.Root);
        _content = new ContentStore(Root);
        _layers = new LayerStore(Root, _content);
        _registry = new Lazy<RegistryClient>(() => new RegistryClient(_options));
        _downloads = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentDownloads));
    }

    public string Root { get; }

    private string IndexPath => Path.Combine(Root, IndexFile);

    private string UsagePath => Path.Combine(Root, UsageFile);

    public IReadOnlyList<ImageRecord> List()
    {
        var index = ReadIndex();
        var usage = ReadUsage();
        var records = new List<ImageRecord>(index.Count);
        foreach (var (key, entry) in index)
        {
            if (Load(key, entry, usage) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    public ImageRecord? Find(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var index = ReadIndex();
        return Resolve(index, reference) is { } match ? Load(match.Key, index[match.Key], ReadUsage()) : null;
    }

    public async Task RemoveAsync(string reference, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reference);
        await ChangeIndexAsync(index =>
        {
            var match = Resolve(index, reference) ?? throw new KeyNotFoundException($"no image \"{reference}\" in {Root}");
            foreach (var key in match.ByName ? [match.Key] : index.Where(e => e.Value.Id == index[match.Key].Id).Select(e => e.Key).ToList())
            {
                index.Remove(key);
            }
        }, ct);
    }

    public async Task MarkUsedAsync(string id, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        await _indexLock.WaitAsync(ct);
        try
        {
            var usage = ReadUsage();
            usage[id] = DateTimeOffset.UtcNow;
            await WriteJsonAsync(UsagePath, new UsageDocument(usage), StoreJson.Default.UsageDocument, ct);
        }
        finally
        {
            _indexLock.Release();
        }
    }

    public void Dispose()
    {
        if (_registry.IsValueCreated)
        {
            _registry.Value.Dispose();
        }

        _indexLock.Dispose();
        _downloads.Dispose();
    }

    /// <summary>
    /// Names <paramref name="name"/> the image whose manifest is <paramref name="manifest"/>, once its
    /// config, blobs and layers are all in the store, and drops what the name's previous image
    /// leaves unreferenced.
    /// </summary>
    private async Task<ImageRecord> CommitAsync(ImageReference name, Digest target, Digest manifest, ImageOrigin origin, CancellationToken ct)
    {
        var stored = await DescribeAsync(manifest, ct);
        var entry = new NameEntry(target.ToString(), manifest.ToString(), stored.Id, origin);
        await ChangeIndexAsync(index => index[name.ToString()] = entry, ct);
        var key = name.ToString();
        return Load(key, entry, ReadUsage())
            ?? throw new InvalidOperationException($"image {key} vanished right after it was stored");
    }

    /// <summary>Writes (or reuses) images/&lt;manifest&gt;.json from the manifest and config blobs and the unpacked layers.</summary>
    private async Task<StoredImage> DescribeAsync(Digest manifestDigest, CancellationToken ct)
    {
        var path = ImagePath(manifestDigest);
        var existing = ReadImage(manifestDigest);
        var manifest = ParseManifest(await _content.ReadAllAsync(manifestDigest, RegistryClient.MaxManifestSize, ct), manifestDigest.ToString());
        var configDigest = Digest.Parse(manifest.Config.Digest);
        var config = ParseConfig(await _content.ReadAllAsync(configDigest, RegistryClient.MaxManifestSize, ct), configDigest);
        var diffIds = DiffIds(config, manifest, configDigest);
        var layers = new List<StoredLayer>();
        long size = 0;
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = _layers.Read(diffIds[i]) ?? throw new InvalidOperationException($"layer {diffIds[i]} of {manifestDigest} is not unpacked");
            size += layer.Size;
            layers.Add(new StoredLayer(manifest.Layers[i].Digest, diffIds[i].ToString(), manifest.Layers[i].MediaType, manifest.Layers[i].Size));
        }

        var now = DateTimeOffset.UtcNow;
        var stored = new StoredImage(
            configDigest.Encoded,
            manifestDigest.ToString(),
            manifest.MediaType ?? MediaTypes.OciManifest,
            configDigest.ToString(),
            layers,
            config.Created ?? existing?.Created ?? now,
            existing?.Added ?? now,
            size,
            config.Os ?? "linux",
            config.Architecture ?? "",
            ToImageConfig(config.Config));
        if (existing is null || existing != stored)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await WriteJsonAsync(path, stored, StoreJson.Default.StoredImage, ct);
        }

        return stored;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the names under the lock, writes them, then deletes
    /// whatever no name references any more (outside the lock: deleting a layer takes time).
    /// </summary>
    /// <returns>Bytes of the content deleted.</returns>
    private async Task<long> ChangeIndexAsync(Action<SortedDictionary<string, NameEntry>> change, CancellationToken ct)
    {
        List<string> trash;
        long freed;
        await _indexLock.WaitAsync(ct);
        try
        {
            var index = ReadIndex();
            change(index);
            CreateRoot();
            await WriteJsonAsync(IndexPath, new NamesDocument(SchemaVersion, index), StoreJson.Default.NamesDocument, ct);
            trash = SweepLocked(index, out freed);
        }
        finally
        {
            _indexLock.Release();
        }

        DeleteTrash(trash);
        return freed;
    }

    /// <summary>
    /// A name first, as docker does, then an id: "beef" is both a valid repository and an id prefix.
    /// "name@digest" matches the name pulled by that digest, or a name of that repository whose
    /// index or manifest has that digest.
    /// </summary>
    private static Match? Resolve(SortedDictionary<string, NameEntry> index, string text)
    {
        var idPrefix = ImageId.AsPrefix(text);
        var isFullId = idPrefix is { Length: ImageId.Length };
        if (!isFullId && ImageReference.TryParse(text, out var reference))
        {
            if (index.ContainsKey(reference.ToString()))
            {
                return new Match(reference.ToString(), ByName: true);
            }

            if (reference.Digest is { } digest)
            {
                var pinned = digest.ToString();
                var byDigest = index.FirstOrDefault(e =>
                    ImageReference.Parse(e.Key).Repository == reference.Repository && (e.Value.Target == pinned || e.Value.Manifest == pinned));
                if (byDigest.Key is not null)
                {
                    return new Match(byDigest.Key, ByName: true);
                }
            }
        }

        if (idPrefix is null)
        {
            // Throws, naming what is wrong with the text, unless it is a valid name without an image.
            _ = ImageReference.Parse(text);
            return null;
        }

        var ids = index.Values.Select(e => e.Id).Where(id => id.StartsWith(idPrefix, StringComparison.Ordinal)).Distinct().ToList();
        if (ids.Count > 1)
        {
            throw new ArgumentException($"image id prefix \"{text}\" matches {ids.Count} images; give more digits", "reference");
        }

        return ids.Count == 0 ? null : new Match(index.First(e => e.Value.Id == ids[0]).Key, ByName: false);
    }

    /// <summary>Null when the image went away since the index was read: a concurrent removal.</summary>
    private ImageRecord? Load(string key, NameEntry entry, IReadOnlyDictionary<string, DateTimeOffset> usage)
    {
        if (!Digest.TryParse(entry.Manifest, out var manifest) || ReadImage(manifest) is not { } stored)
        {
            return null;
        }

        var reference = ImageReference.Parse(key);
        var diffIds = stored.Layers.Select(l => Digest.Parse(l.DiffId)).ToList();
        return new ImageRecord(stored.Id, reference, stored.Created, stored.Size, [.. diffIds.Select(_layers.DiffPath)], stored.ImageConfig)
        {
            ManifestDigest = manifest,
            RepoDigest = $"{reference.Repository}@{entry.Target}",
            Origin = entry.Origin,
            Os = stored.Os,
            Architecture = stored.Architecture,
            Added = stored.Added,
            LastUsed = usage.TryGetValue(stored.Id, out var used) ? used : null,
            OverlayLowerDir = string.Join(':', diffIds.AsEnumerable().Reverse().Select(_layers.LinkPath)),
        };
    }

    private string ImagePath(Digest manifest) => Path.Combine(Root, ImagesDir, manifest.Encoded + ".json");

    private StoredImage? ReadImage(Digest manifest) => ReadJson(ImagePath(manifest), StoreJson.Default.StoredImage);

    private SortedDictionary<string, NameEntry> ReadIndex()
    {
        var references = new SortedDictionary<string, NameEntry>(StringComparer.Ordinal);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(IndexPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return references;
        }

        NamesDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, StoreJson.Default.NamesDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{IndexPath}: {e.Message} (an index.json from before the content store, with image ids for values, is not read: import those images again)", e);
        }

        foreach (var (key, entry) in document?.References ?? [])
        {
            if (!ImageReference.TryParse(key, out var reference) || reference.ToString() != key
                || entry is null || !Digest.TryParse(entry.Target, out _) || !Digest.TryParse(entry.Manifest, out _) || !ImageId.IsFull(entry.Id))
            {
                throw new InvalidDataException($"{IndexPath}: \"{key}\" is not a reference with target, manifest and id digests");
            }

            references[key] = entry;
        }

        return references;
    }

    private SortedDictionary<string, DateTimeOffset> ReadUsage() =>
        ReadJson(UsagePath, StoreJson.Default.UsageDocument)?.LastUsed ?? new SortedDictionary<string, DateTimeOffset>(StringComparer.Ordinal);

    private static T? ReadJson<T>(string path, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), type);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static Task WriteJsonAsync<T>(string path, T value, JsonTypeInfo<T> type, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(value, type), ct);

    private void CreateRoot()
    {
        if (Directory.Exists(Root))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Root)!);

        // Owner-only: an image's setuid binaries and world-writable directories must not become
        // usable by unprivileged users of the host through this path.
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Marks content as in use by an operation in progress until the lease is disposed.</summary>
    private Lease Hold(IEnumerable<string> keys) => new(this, [.. keys]);

    private static string BlobKey(Digest digest) => "blob:" + digest;

    private static string LayerKey(Digest diffId) => "layer:" + diffId;

    internal static ManifestDocument ParseManifest(byte[] content, string what)
    {
        ManifestDocument? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(content, OciJson.Default.ManifestDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"manifest {what} is not valid JSON: {e.Message}", e);
        }

        if (manifest is not { SchemaVersion: 2, Config: { } config, Layers: { } layers }
            || !Digest.TryParse(config.Digest, out _)
            || layers.Any(l => l is null || !Digest.TryParse(l.Digest, out _)))
        {
            throw new InvalidDataException($"manifest {what} is not an image manifest (schemaVersion 2 with a config and layers with digests)");
        }

        if (layers.FirstOrDefault(l => !MediaTypes.IsLayer(l.MediaType)) is { } odd)
        {
            throw new InvalidDataException($"manifest {what}: layer {odd.Digest} has media type \"{odd.MediaType}\", which is not a tar layer (is this an artifact rather than an image?)");
        }

        return manifest;
    }

    internal static ConfigDocument ParseConfig(byte[] content, Digest digest)
    {
        try
        {
            return JsonSerializer.Deserialize(content, OciJson.Default.ConfigDocument)
                ?? throw new InvalidDataException($"image config {digest} is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"image config {digest} is not valid JSON: {e.Message}", e);
        }
    }

    private static IReadOnlyList<Digest> DiffIds(ConfigDocument config, ManifestDocument manifest, Digest configDigest)
    {
        var diffIds = config.Rootfs?.DiffIds ?? [];
        if (diffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"image config {configDigest} lists {diffIds.Count} diff IDs for the manifest's {manifest.Layers.Count} layers");
        }

        return [.. diffIds.Select(d => Digest.TryParse(d, out var digest) ? digest : throw new InvalidDataException($"image config {configDigest}: \"{d}\" is not a diff ID"))];
    }

    private static ImageConfig ToImageConfig(ContainerConfigDocument? config) =>
        config is null
            ? ImageConfig.Empty
            : new ImageConfig(
                config.Entrypoint ?? [],
                config.Cmd ?? [],
                config.Env ?? [],
                config.WorkingDir ?? "",
                config.User ?? "",
                [.. (config.ExposedPorts?.Keys ?? []).Order(StringComparer.Ordinal)])
            {
                StopSignal = config.StopSignal ?? "",
                Labels = config.Labels ?? new Dictionary<string, string>(),
            };

    private sealed record Match(string Key, bool ByName);

    private sealed class Lease(LocalImageStore store, List<string> keys) : IDisposable
    {
        private readonly List<string> _keys = Add(store, keys);

        public void Add(IEnumerable<string> more) => _keys.AddRange(Add(store, [.. more]));

        public void Dispose()
        {
            lock (store._leases)
            {
                foreach (var key in _keys)
                {
                    if (--store._leases[key] == 0)
                    {
                        store._leases.Remove(key);
                    }
                }
            }
        }

        private static List<string> Add(LocalImageStore store, List<string> keys)
        {
            lock (store._leases)
            {
                foreach (var key in keys)
                {
                    store._leases[key] = store._leases.GetValueOrDefault(key) + 1;
                }
            }

            return keys;
        }
    }
}
