using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Linux;

namespace Berth.Images;

/// <summary>
/// Images as plain directories on this node: &lt;root&gt;/&lt;id&gt;/rootfs/ and
/// &lt;root&gt;/&lt;id&gt;/image.json, with tags only in &lt;root&gt;/index.json. Each change becomes
/// visible through a single rename, so after a crash readers see the old state or the new one;
/// what a crash can leave behind is invisible and <see cref="CollectGarbageAsync"/> removes it.
/// One store instance per root: the lock that orders index changes is in-process.
/// </summary>
public sealed class LocalImageStore : IImageStore
{
    public const string DefaultRoot = "/var/lib/berth/images";

    private const string IndexFile = "index.json";
    private const string ImageFile = "image.json";
    private const string RootfsDir = "rootfs";

    // Dot names: never mistaken for an image id, and skipped by anyone listing image directories.
    private const string StagingPrefix = ".import-";
    private const string TrashPrefix = ".remove-";

    private readonly SemaphoreSlim _indexLock = new(1, 1);

    // Imports that exist on disk but are not in the index yet; garbage collection must spare them.
    private readonly ConcurrentDictionary<string, byte> _importing = new();

    public LocalImageStore(string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    private string IndexPath => Path.Combine(Root, IndexFile);

    public async Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootfsDir);
        ArgumentNullException.ThrowIfNull(reference);
        CreateRoot();

        var id = ImageId.New();
        _importing[id] = 0;
        try
        {
            var document = await StageAsync(Path.GetFullPath(rootfsDir), reference, id, ct);
            var displaced = await TagAsync(reference, id, ct);
            if (displaced is not null)
            {
                // The import itself succeeded; a leftover is a dot directory for CollectGarbageAsync.
                DeleteQuietly(displaced);
            }

            return new ImageRecord(id, reference, document.Created, document.Size, Path.Combine(ImageDir(id), RootfsDir));
        }
        finally
        {
            _importing.TryRemove(id, out _);
        }
    }

    public IReadOnlyList<ImageRecord> List()
    {
        var index = ReadIndex();
        var records = new List<ImageRecord>(index.Count);
        foreach (var (key, id) in index.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            if (Load(id, ImageReference.Parse(key)) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    public ImageRecord? Find(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Resolve(ReadIndex(), reference) is { } match ? Load(match.Id, match.Reference) : null;
    }

    public async Task RemoveAsync(string reference, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string? trash = null;
        await _indexLock.WaitAsync(ct);
        try
        {
            var index = await ReadIndexAsync(ct);
            var match = Resolve(index, reference)
                ?? throw new KeyNotFoundException($"no image \"{reference}\" in {Root}");
            if (match.ByTag)
            {
                index.Remove(match.Reference.ToString());
            }
            else
            {
                foreach (var key in index.Where(entry => entry.Value == match.Id).Select(entry => entry.Key).ToList())
                {
                    index.Remove(key);
                }
            }

            await WriteIndexAsync(index, ct);
            if (!index.ContainsValue(match.Id))
            {
                trash = MoveToTrash(match.Id);
            }
        }
        finally
        {
            _indexLock.Release();
        }

        if (trash is not null)
        {
            Directory.Delete(trash, recursive: true);
        }
    }

    /// <summary>
    /// Deletes what crashes leave: half-copied imports, half-deleted images, images that were
    /// copied but never made it into the index, and stray index temp files. Meant for startup,
    /// before another process could be importing into the same root.
    /// </summary>
    public async Task CollectGarbageAsync(CancellationToken ct)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var garbage = new List<string>();
        await _indexLock.WaitAsync(ct);
        try
        {
            var referenced = (await ReadIndexAsync(ct)).Values.ToHashSet(StringComparer.Ordinal);
            foreach (var entry in new DirectoryInfo(Root).EnumerateFileSystemInfos())
            {
                var name = entry.Name;
                var id = name.StartsWith(StagingPrefix, StringComparison.Ordinal) ? name[StagingPrefix.Length..] : name;
                if (_importing.ContainsKey(id))
                {
                    continue;
                }

                var isGarbage = name.StartsWith(StagingPrefix, StringComparison.Ordinal)
                    || name.StartsWith(TrashPrefix, StringComparison.Ordinal)
                    || AtomicFile.IsLeftoverOf(name, IndexFile)
                    || (ImageId.IsFull(name) && !referenced.Contains(name));
                if (isGarbage)
                {
                    garbage.Add(entry.FullName);
                }
            }
        }
        finally
        {
            _indexLock.Release();
        }

        foreach (var path in garbage)
        {
            ct.ThrowIfCancellationRequested();
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Copies the tree into a dot directory and renames it to &lt;root&gt;/&lt;id&gt; once complete.</summary>
    private async Task<ImageDocument> StageAsync(string source, ImageReference reference, string id, CancellationToken ct)
    {
        var staging = Path.Combine(Root, StagingPrefix + id);
        try
        {
            var rootfs = Path.Combine(staging, RootfsDir);
            Directory.CreateDirectory(rootfs);

            // cp -a keeps owners, modes, symlinks, hard links, device nodes and fifos, which
            // File.Copy cannot; "SRC/." also carries SRC's own owner and mode onto rootfs/.
            // No timeout: how long a copy takes depends only on the size of the tree.
            await CommandRunner.RunAsync("cp", ["-a", "--", Path.Combine(source, "."), rootfs + "/"], ct, timeout: Timeout.InfiniteTimeSpan);

            var size = await RegularFileBytesAsync(rootfs, ct);
            var document = new ImageDocument(id, reference.Repository, reference.Tag, reference.ToString(), DateTimeOffset.UtcNow, size);
            await WriteDurablyAsync(Path.Combine(staging, ImageFile), document, StoreJson.Default.ImageDocument, ct);
            Directory.Move(staging, ImageDir(id));
            return document;
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    /// <summary>Points the tag at the staged image; returns the trashed image the tag left, if any.</summary>
    private async Task<string?> TagAsync(ImageReference reference, string id, CancellationToken ct)
    {
        var tagged = false;
        try
        {
            await _indexLock.WaitAsync(ct);
            try
            {
                var index = await ReadIndexAsync(ct);
                var key = reference.ToString();
                index.TryGetValue(key, out var previous);
                index[key] = id;
                await WriteIndexAsync(index, ct);
                tagged = true;
                return previous is not null && !index.ContainsValue(previous) ? MoveToTrash(previous) : null;
            }
            finally
            {
                _indexLock.Release();
            }
        }
        catch when (!tagged)
        {
            // Not in the index, so nobody can have seen it.
            DeleteQuietly(ImageDir(id));
            throw;
        }
    }

    private string ImageDir(string id) => Path.Combine(Root, id);

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

    /// <summary>
    /// A name first, as docker does, then an id: "beef" is both a valid repository and an id prefix.
    /// </summary>
    private static Match? Resolve(Dictionary<string, string> index, string text)
    {
        var idPrefix = ImageId.AsPrefix(text);
        var isFullId = idPrefix is { Length: ImageId.Length };
        if (!isFullId && ImageReference.TryParse(text, out var reference) && index.TryGetValue(reference.ToString(), out var tagged))
        {
            return new Match(tagged, reference, ByTag: true);
        }

        if (idPrefix is null)
        {
            // Throws, naming what is wrong with the text, unless it is a valid name without an image.
            _ = ImageReference.Parse(text);
            return null;
        }

        var ids = index.Values.Where(id => id.StartsWith(idPrefix, StringComparison.Ordinal)).Distinct().ToList();
        if (ids.Count > 1)
        {
            throw new ArgumentException($"image id prefix \"{text}\" matches {ids.Count} images; give more digits", "reference");
        }

        if (ids.Count == 0)
        {
            return null;
        }

        var firstTag = index.Where(entry => entry.Value == ids[0]).Select(entry => entry.Key).Order(StringComparer.Ordinal).First();
        return new Match(ids[0], ImageReference.Parse(firstTag), ByTag: false);
    }

    /// <summary>Null when the image went away since the index was read: a concurrent removal.</summary>
    private ImageRecord? Load(string id, ImageReference reference)
    {
        var file = Path.Combine(ImageDir(id), ImageFile);
        ImageDocument? document;
        try
        {
            using var stream = File.OpenRead(file);
            document = JsonSerializer.Deserialize(stream, StoreJson.Default.ImageDocument);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }

        if (document is null || document.Id != id)
        {
            throw new InvalidDataException($"{file}: expected the document of image {id}");
        }

        return new ImageRecord(id, reference, document.Created, document.Size, Path.Combine(ImageDir(id), RootfsDir));
    }

    private Dictionary<string, string> ReadIndex()
    {
        try
        {
            using var stream = File.OpenRead(IndexPath);
            return CheckIndex(JsonSerializer.Deserialize(stream, StoreJson.Default.IndexDocument));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{IndexPath}: {e.Message}", e);
        }
    }

    private async Task<Dictionary<string, string>> ReadIndexAsync(CancellationToken ct)
    {
        try
        {
            await using var stream = new FileStream(IndexPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            return CheckIndex(await JsonSerializer.DeserializeAsync(stream, StoreJson.Default.IndexDocument, ct));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{IndexPath}: {e.Message}", e);
        }
    }

    private Dictionary<string, string> CheckIndex(IndexDocument? document)
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, id) in document?.References ?? [])
        {
            if (!ImageReference.TryParse(key, out var reference) || reference.ToString() != key || !ImageId.IsFull(id))
            {
                throw new InvalidDataException($"{IndexPath}: \"{key}\": \"{id}\" is not a reference and an image id");
            }

            index[key] = id;
        }

        return index;
    }

    private Task WriteIndexAsync(Dictionary<string, string> index, CancellationToken ct)
    {
        var sorted = new SortedDictionary<string, string>(index, StringComparer.Ordinal);
        return WriteDurablyAsync(IndexPath, new IndexDocument(sorted), StoreJson.Default.IndexDocument, ct);
    }

    private static Task WriteDurablyAsync<T>(string path, T value, JsonTypeInfo<T> type, CancellationToken ct) =>
        AtomicFile.WriteAsync(path, JsonSerializer.SerializeToUtf8Bytes(value, type), ct);

    /// <summary>
    /// Renames the image out of sight, so the slow recursive delete can run outside the lock and
    /// a crash during it leaves only a dot directory.
    /// </summary>
    private string? MoveToTrash(string name)
    {
        var source = Path.Combine(Root, name);
        if (!Directory.Exists(source))
        {
            return null;
        }

        var trash = Path.Combine(Root, $"{TrashPrefix}{Guid.NewGuid():N}");
        Directory.Move(source, trash);
        return trash;
    }

    /// <summary>
    /// Bytes of regular files, each hard-linked file once. find neither follows symlinks (an
    /// image's absolute links point, seen from the host, at the host's own files) nor counts
    /// directories, fifos or device nodes; .NET exposes no inode numbers to do this itself.
    /// </summary>
    private static async Task<long> RegularFileBytesAsync(string rootfs, CancellationToken ct)
    {
        var listing = (await CommandRunner.RunAsync("find", [rootfs, "-type", "f", "-printf", "%D:%i %s\\n"], ct, timeout: Timeout.InfiniteTimeSpan)).Stdout;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            sizes[line[..space]] = long.Parse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return sizes.Values.Sum();
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleanup after a failure must not hide the failure; the leftover is a dot directory
            // or unindexed, so it is invisible and CollectGarbageAsync takes it.
        }
    }

    private sealed record Match(string Id, ImageReference Reference, bool ByTag);
}
