using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Store;

/// <summary>
/// Deletes content nothing needs: blobs, layers and image documents that no name references and
/// no lease holds, partial downloads no pull is writing, and what crashes leave behind.
/// </summary>
internal sealed class ContentSweeper(string root, ContentStore content, LayerStore layers, StoredImages images, ContentLeases leases)
{
    public const string TrashDirName = "trash";

    private string TrashDir => Path.Combine(root, TrashDirName);

    /// <summary>
    /// Deletes blobs, layers and image documents that no name references and no operation in
    /// progress holds; the caller holds the index lock. Layers go to the trash, which the caller
    /// empties with <see cref="DeleteTrash"/> after the lock.
    /// </summary>
    /// <param name="freed">Bytes of the blobs deleted and the layers trashed.</param>
    public List<string> SweepLocked(IEnumerable<NameEntry> names, out long freed)
    {
        var blobs = new HashSet<string>(StringComparer.Ordinal);
        var layerIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in names)
        {
            blobs.Add(entry.Target);
            blobs.Add(entry.Manifest);
            if (images.Read(Digest.Parse(entry.Manifest)) is { } image)
            {
                blobs.Add(image.Config);
                foreach (var layer in image.Layers)
                {
                    blobs.Add(layer.Digest);
                    layerIds.Add(layer.DiffId);
                }
            }
        }

        leases.AddHeldTo(blobs, layerIds);

        freed = 0;
        foreach (var blob in content.List().Where(b => !blobs.Contains(b.ToString())).ToList())
        {
            freed += content.Delete(blob);
        }

        var trash = new List<string>();
        foreach (var layer in layers.List().Where(l => !layerIds.Contains(l.ToString())).ToList())
        {
            freed += layers.Read(layer)?.Size ?? 0;
            if (layers.MoveToTrash(layer, TrashDir) is { } moved)
            {
                trash.Add(moved);
            }
        }

        // An image document lives as long as its manifest blob: a pull in progress leases both.
        images.DeleteUnreferenced(blobs);

        // Dangling short links: a layer trashed by an earlier sweep that died before this point.
        if (Directory.Exists(layers.LinksDir))
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(layers.LinksDir).ToList())
            {
                if (!Directory.Exists(link))
                {
                    File.Delete(link);
                }
            }
        }

        return trash;
    }

    public static void DeleteTrash(IEnumerable<string> trash)
    {
        foreach (var dir in trash)
        {
            LayerStore.DeleteQuietly(dir);
        }
    }

    /// <summary>Partial downloads older than <paramref name="age"/> that no pull is writing.</summary>
    public long DeleteStalePartials(TimeSpan age)
    {
        if (!Directory.Exists(content.IngestDir))
        {
            return 0;
        }

        long freed = 0;
        foreach (var file in new DirectoryInfo(content.IngestDir).EnumerateFiles("*" + ContentStore.PartialSuffix))
        {
            var name = file.Name[..^ContentStore.PartialSuffix.Length];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            var held = dash > 0 && Digest.TryParse($"{name[..dash]}:{name[(dash + 1)..]}", out var digest) && leases.IsHeld(ContentLeases.Blob(digest));
            if (!held && DateTime.UtcNow - file.LastWriteTimeUtc >= age)
            {
                freed += file.Length;
                file.Delete();
            }
        }

        return freed;
    }

    /// <summary>
    /// Half-unpacked layers, trash not yet deleted and stray temp files; partial downloads stay.
    /// The caller holds the index lock.
    /// </summary>
    public void DeleteLeftoversLocked()
    {
        foreach (var leftover in layers.Leftovers().ToList())
        {
            LayerStore.DeleteQuietly(leftover);
        }

        LayerStore.DeleteQuietly(TrashDir);
        foreach (var dir in new[] { root, content.IngestDir, images.Dir }.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith(".tmp-", StringComparison.Ordinal)
                    || AtomicFile.IsLeftoverOf(name, ImageIndex.IndexFile)
                    || AtomicFile.IsLeftoverOf(name, ImageIndex.UsageFile)
                    || (name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal) && dir != root))
                {
                    File.Delete(file);
                }
            }
        }
    }
}
