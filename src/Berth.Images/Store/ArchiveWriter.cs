using System.Formats.Tar;
using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Images.Store;

/// <summary>
/// Images out to a file: an OCI image layout tar with docker's manifest.json beside its index, so
/// that both <c>docker load</c> and OCI tools read it. The blobs are leased while they are copied.
/// </summary>
internal sealed class ArchiveWriter(string root, ContentStore content, ContentLeases leases, ImageIndex index)
{
    public async Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct)
    {
        if (references.Count == 0)
        {
            throw new ArgumentException("name at least one image to save", nameof(references));
        }

        var images = references.Select(r => index.Find(r) ?? throw new KeyNotFoundException($"no image \"{r}\" in {root}")).ToList();
        var stored = images.Select(i => index.Stored(i) ?? throw new KeyNotFoundException($"image {i.Reference} vanished while saving")).ToList();
        using var lease = leases.Hold(stored.SelectMany(s => s.Layers.Select(l => l.Digest).Append(s.Config).Append(s.Manifest)).Select(d => ContentLeases.Blob(Digest.Parse(d))));

        var target = Path.GetFullPath(outputFile);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await using var writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true);
                await WriteDocumentAsync(writer, "oci-layout", JsonSerializer.SerializeToUtf8Bytes(new LayoutMarker("1.0.0"), OciJson.Default.LayoutMarker), ct);
                await writer.WriteEntryAsync(DirectoryEntry("blobs/"), ct);
                await writer.WriteEntryAsync(DirectoryEntry("blobs/sha256/"), ct);
                var written = new HashSet<string>(StringComparer.Ordinal);
                foreach (var image in stored)
                {
                    foreach (var blob in image.Layers.Select(l => l.Digest).Prepend(image.Config).Prepend(image.Manifest).Select(Digest.Parse))
                    {
                        if (written.Add(blob.ToString()))
                        {
                            await using var blobData = content.OpenRead(blob);
                            await writer.WriteEntryAsync(FileEntry($"blobs/{blob.Algorithm}/{blob.Encoded}", blobData), ct);
                        }
                    }
                }

                var manifests = images.Select((image, i) => new Descriptor(stored[i].MediaType, stored[i].Manifest, content.SizeOf(image.ManifestDigest!))
                {
                    Annotations = Annotations(image.Reference),
                }).ToList();
                var index = new IndexDocument(2, manifests) { MediaType = MediaTypes.OciIndex };
                await WriteDocumentAsync(writer, "index.json", JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Default.IndexDocument), ct);

                // docker load before version 25 reads only this file.
                var dockerManifest = stored
                    .Select((image, i) => new DockerArchiveEntry(
                        $"blobs/sha256/{Digest.Parse(image.Config).Encoded}",
                        images[i].Reference.Tag is null ? [] : [images[i].Reference.ToString()],
                        [.. image.Layers.Select(l => $"blobs/sha256/{Digest.Parse(l.Digest).Encoded}")]))
                    .ToList();
                await WriteDocumentAsync(writer, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(dockerManifest, OciJson.Default.ListDockerArchiveEntry), ct);
                await writer.DisposeAsync();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static Dictionary<string, string> Annotations(ImageReference reference)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LocalImageStore.ImageNameAnnotation] = reference.Tag is null ? $"{reference.CanonicalName}@{reference.Digest}" : $"{reference.CanonicalName}:{reference.Tag}",
        };
        if (reference.Tag is { } tag)
        {
            annotations[LocalImageStore.RefNameAnnotation] = tag;
        }

        return annotations;
    }

    private static async Task WriteDocumentAsync(TarWriter writer, string name, byte[] document, CancellationToken ct)
    {
        using var data = new MemoryStream(document);
        await writer.WriteEntryAsync(FileEntry(name, data), ct);
    }

    private static PaxTarEntry FileEntry(string name, Stream data) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        ModificationTime = DateTimeOffset.UnixEpoch,
    };

    private static PaxTarEntry DirectoryEntry(string name) => new(TarEntryType.Directory, name)
    {
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
        ModificationTime = DateTimeOffset.UnixEpoch,
    };
}
