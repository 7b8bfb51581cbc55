using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images;

// Removing images and the content nothing references any more: prune, the kubelet-style
// garbage collection by disk usage, and the cleanup of what crashes leave.
public sealed partial class LocalImageStore
{
    public async Task<GcResult> PruneAsync(Func<string, bool> inUse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        var ids = new List<string>();
        var names = new List<string>();
        var freed = await ChangeIndexAsync(
            index =>
            {
                foreach (var (key, entry) in index.Where(e => !inUse(e.Value.Id)).ToList())
                {
                    index.Remove(key);
                    names.Add(key);
                    if (!ids.Contains(entry.Id))
                    {
                        ids.Add(entry.Id);
                    }
                }
            },
            ct);
        freed += DeleteStalePartials(TimeSpan.Zero);
        return new GcResult(ids, names, freed, UsageBefore: null);
    }

    public async Task<GcResult> CollectAsync(ImageGcPolicy policy, Func<string, bool> inUse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(inUse);
        policy.Validate();
        var usage = (policy.Usage ?? (() => DiskUsage.Of(Root)))();
        var now = DateTimeOffset.UtcNow;

        // One candidate per image, however many names it has; never one a container uses.
        var candidates = List()
            .GroupBy(image => image.Id)
            .Select(group => (Id: group.Key, LastUsed: group.Max(i => i.LastUsed ?? i.Added)))
            .Where(c => !inUse(c.Id))
            .OrderBy(c => c.LastUsed)
            .ToList();

        var removed = new List<string>();
        var names = new List<string>();
        long freed = 0;
        if (policy.MaximumAge is { } maximumAge)
        {
            foreach (var candidate in candidates.Where(c => now - c.LastUsed > maximumAge))
            {
                freed += await RemoveImageAsync(candidate.Id, names, ct);
                removed.Add(candidate.Id);
            }
        }

        // The kubelet's rule: above the high threshold, free enough to get down to the low one.
        if (policy.HighThresholdPercent < 100 && usage.UsedPercent >= policy.HighThresholdPercent)
        {
            var toFree = (usage.Capacity * (100 - policy.LowThresholdPercent) / 100) - usage.Available;
            foreach (var candidate in candidates.Where(c => !removed.Contains(c.Id)))
            {
                if (freed >= toFree)
                {
                    break;
                }

                if (now - candidate.LastUsed < policy.MinimumAge)
                {
                    continue;
                }

                freed += await RemoveImageAsync(candidate.Id, names, ct);
                removed.Add(candidate.Id);
            }
        }

        return new GcResult(removed, names, freed, usage);
    }

    /// <summary>
    /// Deletes what crashes leave: half-unpacked layers, trash not yet deleted, stray temp files.
    /// Partial downloads stay: the next pull of their image resumes them. Meant for startup,
    /// before another operation could be using the store.
    /// </summary>
    public async Task CollectGarbageAsync(CancellationToken ct)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        await _indexLock.WaitAsync(ct);
        try
        {
            foreach (var leftover in _layers.Leftovers().ToList())
            {
                LayerStore.DeleteQuietly(leftover);
            }

            LayerStore.DeleteQuietly(Path.Combine(Root, TrashDir));
            foreach (var dir in new[] { Root, _content.IngestDir, Path.Combine(Root, ImagesDir) }.Where(Directory.Exists))
            {
                foreach (var file in Directory.EnumerateFiles(dir))
                {
                    var name = Path.GetFileName(file);
                    if (name.StartsWith(".tmp-", StringComparison.Ordinal)
                        || AtomicFile.IsLeftoverOf(name, IndexFile)
                        || AtomicFile.IsLeftoverOf(name, UsageFile)
                        || (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal) && dir != Root))
                    {
                        File.Delete(file);
                    }
                }
            }
        }
        finally
        {
            _indexLock.Release();
        }
    }

    /// <summary>Removes every name of image <paramref name="id"/>; returns the bytes that freed.</summary>
    private Task<long> RemoveImageAsync(string id, List<string> names, CancellationToken ct) =>
        ChangeIndexAsync(
            index =>
            {
                foreach (var key in index.Where(e => e.Value.Id == id).Select(e => e.Key).ToList())
                {
                    index.Remove(key);
                    names.Add(key);
                }
            },
            ct);

    /// <summary>
    /// Deletes blobs, layers and image documents that no name references and no operation in
    /// progress holds. Layers go to the trash, which the caller empties after the lock.
    /// </summary>
    /// <param name="freed">Bytes of the blobs deleted and the layers trashed.</param>
    private List<string> SweepLocked(SortedDictionary<string, NameEntry> index, out long freed)
    {
        var blobs = new HashSet<string>(StringComparer.Ordinal);
        var layers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in index.Values)
        {
            blobs.Add(entry.Target);
            blobs.Add(entry.Manifest);
            if (ReadImage(Digest.Parse(entry.Manifest)) is { } image)
            {
                blobs.Add(image.Config);
                foreach (var layer in image.Layers)
                {
                    blobs.Add(layer.Digest);
                    layers.Add(layer.DiffId);
                }
            }
        }

        lock (_leases)
        {
            foreach (var key in _leases.Keys)
            {
                var colon = key.IndexOf(':', StringComparison.Ordinal);
                (key[..colon] == "blob" ? blobs : layers).Add(key[(colon + 1)..]);
            }
        }

        freed = 0;
        foreach (var blob in _content.List().Where(b => !blobs.Contains(b.ToString())).ToList())
        {
            freed += _content.Delete(blob);
        }

        var trash = new List<string>();
        foreach (var layer in _layers.List().Where(l => !layers.Contains(l.ToString())).ToList())
        {
            freed += _layers.Read(layer)?.Size ?? 0;
            if (_layers.MoveToTrash(layer, Path.Combine(Root, TrashDir)) is { } moved)
            {
                trash.Add(moved);
            }
        }

        // An image document lives as long as its manifest blob: a pull in progress leases both.
        var imagesDir = Path.Combine(Root, ImagesDir);
        if (Directory.Exists(imagesDir))
        {
            foreach (var file in Directory.EnumerateFiles(imagesDir, "*.json").ToList())
            {
                var hex = Path.GetFileNameWithoutExtension(file);
                if (!blobs.Contains($"{Digest.Sha256}:{hex}") && !blobs.Contains($"{Digest.Sha512}:{hex}"))
                {
                    File.Delete(file);
                }
            }
        }

        // Dangling short links: a layer trashed by an earlier sweep that died before this point.
        if (Directory.Exists(_layers.LinksDir))
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(_layers.LinksDir).ToList())
            {
                if (!Directory.Exists(link))
                {
                    File.Delete(link);
                }
            }
        }

        return trash;
    }

    private static void DeleteTrash(IEnumerable<string> trash)
    {
        foreach (var dir in trash)
        {
            LayerStore.DeleteQuietly(dir);
        }
    }

    /// <summary>Partial downloads older than <paramref name="age"/> that no pull is writing.</summary>
    private long DeleteStalePartials(TimeSpan age)
    {
        if (!Directory.Exists(_content.IngestDir))
        {
            return 0;
        }

        long freed = 0;
        foreach (var file in new DirectoryInfo(_content.IngestDir).EnumerateFiles("*" + ContentStore.PartialSuffix))
        {
            var name = file.Name[..^ContentStore.PartialSuffix.Length];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            var held = dash > 0 && Digest.TryParse($"{name[..dash]}:{name[(dash + 1)..]}", out var digest) && IsLeased(BlobKey(digest));
            if (!held && DateTime.UtcNow - file.LastWriteTimeUtc >= age)
            {
                freed += file.Length;
                file.Delete();
            }
        }

        return freed;
    }

    private bool IsLeased(string key)
    {
        lock (_leases)
        {
            return _leases.ContainsKey(key);
        }
    }
}
