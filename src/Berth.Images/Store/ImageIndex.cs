using System.Text.Json;
using Berth.Images.Layers;

namespace Berth.Images.Store;

/// <summary>How a text matched the index: the name it found, and whether by that name or by an id.</summary>
internal sealed record IndexMatch(string Key, bool ByName);

/// <summary>
/// The names of the store's images: &lt;root&gt;/index.json (name → target, manifest and id), the only
/// place names live, and &lt;root&gt;/last-used.json. Every change is written under one lock and
/// followed by a sweep of what no name references any more; a name is written only after
/// everything it needs is stored.
/// </summary>
internal sealed class ImageIndex(string root, StoredImages images, LayerStore layers, ContentSweeper sweeper) : IDisposable
{
    public const string IndexFile = "index.json";
    public const string UsageFile = "last-used.json";
    private const int SchemaVersion = 2;

    private readonly SemaphoreSlim _lock = new(1, 1);

    private string IndexPath => Path.Combine(root, IndexFile);

    private string UsagePath => Path.Combine(root, UsageFile);

    public IReadOnlyList<ImageRecord> List()
    {
        var index = ReadNames();
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
        var index = ReadNames();
        return Resolve(index, reference) is { } match ? Load(match.Key, index[match.Key], ReadUsage()) : null;
    }

    /// <summary>The image document of a found image, for those that need its blobs.</summary>
    public StoredImage? Stored(ImageRecord image) => image.ManifestDigest is { } manifest ? images.Read(manifest) : null;

    public async Task RemoveAsync(string reference, CancellationToken ct) =>
        await ChangeAsync(index =>
        {
            var match = Resolve(index, reference) ?? throw new KeyNotFoundException($"no image \"{reference}\" in {root}");
            foreach (var key in match.ByName ? [match.Key] : index.Where(e => e.Value.Id == index[match.Key].Id).Select(e => e.Key).ToList())
            {
                index.Remove(key);
            }
        }, ct);

    public async Task MarkUsedAsync(string id, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var usage = ReadUsage();
            usage[id] = DateTimeOffset.UtcNow;
            await StoreFiles.WriteJsonAsync(UsagePath, new UsageDocument(usage), StoreJson.Default.UsageDocument, ct);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Names <paramref name="name"/> the image whose manifest is <paramref name="manifest"/>, once its
    /// config, blobs and layers are all in the store, and drops what the name's previous image
    /// leaves unreferenced.
    /// </summary>
    public async Task<ImageRecord> CommitAsync(ImageReference name, Digest target, Digest manifest, ImageOrigin origin, CancellationToken ct)
    {
        var stored = await images.DescribeAsync(manifest, ct);
        var entry = new NameEntry(target.ToString(), manifest.ToString(), stored.Id, origin);
        await ChangeAsync(index => index[name.ToString()] = entry, ct);
        var key = name.ToString();
        return Load(key, entry, ReadUsage())
            ?? throw new InvalidOperationException($"image {key} vanished right after it was stored");
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the names under the lock, writes them, then deletes
    /// whatever no name references any more (outside the lock: deleting a layer takes time).
    /// </summary>
    /// <returns>Bytes of the content deleted.</returns>
    public async Task<long> ChangeAsync(Action<SortedDictionary<string, NameEntry>> change, CancellationToken ct)
    {
        List<string> trash;
        long freed;
        await _lock.WaitAsync(ct);
        try
        {
            var index = ReadNames();
            change(index);
            StoreFiles.CreateRoot(root);
            await StoreFiles.WriteJsonAsync(IndexPath, new NamesDocument(SchemaVersion, index), StoreJson.Default.NamesDocument, ct);
            trash = sweeper.SweepLocked(index.Values, out freed);
        }
        finally
        {
            _lock.Release();
        }

        ContentSweeper.DeleteTrash(trash);
        return freed;
    }

    /// <summary>Runs <paramref name="action"/> while no name can change.</summary>
    public async Task UnderLockAsync(Action action, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            action();
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// A name first, as docker does, then an id: "beef" is both a valid repository and an id prefix.
    /// "name@digest" matches the name pulled by that digest, or a name of that repository whose
    /// index or manifest has that digest.
    /// </summary>
    /// <exception cref="FormatException">Neither a valid reference nor an id.</exception>
    /// <exception cref="ArgumentException">An id prefix that matches several images.</exception>
    internal static IndexMatch? Resolve(SortedDictionary<string, NameEntry> index, string text)
    {
        var idPrefix = ImageId.AsPrefix(text);
        var isFullId = idPrefix is { Length: ImageId.Length };
        if (!isFullId && ImageReference.TryParse(text, out var reference))
        {
            if (index.ContainsKey(reference.ToString()))
            {
                return new IndexMatch(reference.ToString(), ByName: true);
            }

            if (reference.Digest is { } digest)
            {
                var pinned = digest.ToString();
                var byDigest = index.FirstOrDefault(e =>
                    ImageReference.Parse(e.Key).Repository == reference.Repository && (e.Value.Target == pinned || e.Value.Manifest == pinned));
                if (byDigest.Key is not null)
                {
                    return new IndexMatch(byDigest.Key, ByName: true);
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

        return ids.Count == 0 ? null : new IndexMatch(index.First(e => e.Value.Id == ids[0]).Key, ByName: false);
    }

    /// <summary>Null when the image went away since the index was read: a concurrent removal.</summary>
    private ImageRecord? Load(string key, NameEntry entry, IReadOnlyDictionary<string, DateTimeOffset> usage)
    {
        if (!Digest.TryParse(entry.Manifest, out var manifest) || images.Read(manifest) is not { } stored)
        {
            return null;
        }

        var reference = ImageReference.Parse(key);
        var diffIds = stored.Layers.Select(l => Digest.Parse(l.DiffId)).ToList();
        return new ImageRecord(stored.Id, reference, stored.Created, stored.Size, [.. diffIds.Select(layers.DiffPath)], stored.ImageConfig)
        {
            ManifestDigest = manifest,
            RepoDigest = $"{reference.Repository}@{entry.Target}",
            Origin = entry.Origin,
            Os = stored.Os,
            Architecture = stored.Architecture,
            Added = stored.Added,
            LastUsed = usage.TryGetValue(stored.Id, out var used) ? used : null,
            OverlayLowerDir = string.Join(':', diffIds.AsEnumerable().Reverse().Select(layers.LinkPath)),
        };
    }

    private SortedDictionary<string, NameEntry> ReadNames()
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
        StoreFiles.ReadJson(UsagePath, StoreJson.Default.UsageDocument)?.LastUsed ?? new SortedDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
}
