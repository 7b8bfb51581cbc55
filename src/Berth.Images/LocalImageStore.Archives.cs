using System.Formats.Tar;
using System.Text.Json;
using Berth.Images.Archives;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Images.Registry;

namespace Berth.Images;

// Images in and out of files: OCI image layouts (a directory or a tar) and docker save archives
// come in; an OCI layout tar with docker's manifest.json beside it goes out.
public sealed partial class LocalImageStore
{
    /// <summary>The annotation containerd and docker put the full image name in.</summary>
    public const string ImageNameAnnotation = "io.containerd.image.name";

    /// <summary>The OCI layout annotation naming a manifest; usually just the tag.</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CreateRoot();
        using var lease = Hold([]);
        void Claim(Digest digest) => lease.Add([BlobKey(digest)]);
        var source = await ArchiveSource.OpenAsync(path, _content, Claim, ct);
        var images = await ReadLayoutAsync(source, name, ct) ?? await ReadDockerArchiveAsync(source, name, Claim, ct)
            ?? throw new InvalidDataException($"{source.Describe} is neither an OCI image layout (oci-layout and index.json) nor a docker save archive (manifest.json)");
        if (images.Count == 0)
        {
            throw new InvalidDataException($"{source.Describe} holds no image");
        }

        var loaded = new List<ImageRecord>();
        foreach (var image in images)
        {
            var manifest = ParseManifest(await _content.ReadAllAsync(image.Manifest, RegistryClient.MaxManifestSize, ct), image.Manifest.ToString());
            var configDigest = Digest.Parse(manifest.Config.Digest);
            await source.IngestBlobIfMissingAsync(configDigest, ct);
            var config = ParseConfig(await _content.ReadAllAsync(configDigest, RegistryClient.MaxManifestSize, ct), configDigest);
            var diffIds = DiffIds(config, manifest, configDigest);
            lease.Add([BlobKey(configDigest), .. diffIds.Select(LayerKey)]);
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var blob = Digest.Parse(manifest.Layers[i].Digest);
                await source.IngestBlobIfMissingAsync(blob, ct);
                lease.Add([BlobKey(blob)]);
                await _layers.EnsureAsync(diffIds[i], blob, ct);
            }

            foreach (var reference in image.Names)
            {
                loaded.Add(await CommitAsync(reference, image.Target, image.Manifest, ImageOrigin.Loaded, ct));
            }
        }

        return loaded;
    }

    public async Task SaveAsync(IReadOnlyList<string> references, string outputFile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(references);
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        if (references.Count == 0)
        {
            throw new ArgumentException("name at least one image to save", nameof(references));
        }

        var images = references.Select(r => Find(r) ?? throw new KeyNotFoundException($"no image \"{r}\" in {Root}")).ToList();
        var stored = images.Select(i => ReadImage(i.ManifestDigest!) ?? throw new KeyNotFoundException($"image {i.Reference} vanished while saving")).ToList();
        using var lease = Hold(stored.SelectMany(s => s.Layers.Select(l => l.Digest).Append(s.Config).Append(s.Manifest)).Select(d => BlobKey(Digest.Parse(d))));

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
                            await using var content = _content.OpenRead(blob);
                            await writer.WriteEntryAsync(FileEntry($"blobs/{blob.Algorithm}/{blob.Encoded}", content), ct);
                        }
                    }
                }

                var manifests = images.Select((image, i) => new Descriptor(stored[i].MediaType, stored[i].Manifest, _content.SizeOf(image.ManifestDigest!))
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
            [ImageNameAnnotation] = reference.Tag is null ? $"{reference.CanonicalName}@{reference.Digest}" : $"{reference.CanonicalName}:{reference.Tag}",
        };
        if (reference.Tag is { } tag)
        {
            annotations[RefNameAnnotation] = tag;
        }

        return annotations;
    }

    private static async Task WriteDocumentAsync(TarWriter writer, string name, byte[] content, CancellationToken ct)
    {
        using var data = new MemoryStream(content);
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

    /// <summary>An OCI layout's images with their names; null when it is not a layout.</summary>
    private async Task<List<ArchiveImage>?> ReadLayoutAsync(ArchiveSource source, ImageReference? name, CancellationToken ct)
    {
        if (await source.ReadSmallAsync("oci-layout", ct) is null || await source.ReadSmallAsync("index.json", ct) is not { } indexBytes)
        {
            return null;
        }

        IndexDocument index;
        try
        {
            index = JsonSerializer.Deserialize(indexBytes, OciJson.Default.IndexDocument) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source.Describe}: index.json is not valid JSON: {e.Message}", e);
        }

        var entries = (index.Manifests ?? []).Where(m => m is not null && Digest.TryParse(m.Digest, out _)).ToList();
        var images = new List<ArchiveImage>();
        foreach (var entry in entries)
        {
            var target = Digest.Parse(entry.Digest);
            await source.IngestBlobIfMissingAsync(target, ct);
            var manifest = target;
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                var chosen = ChoosePlatform(await _content.ReadAllAsync(target, RegistryClient.MaxManifestSize, ct), target, _options.Platform, source.Describe);
                manifest = Digest.Parse(chosen.Digest);
                await source.IngestBlobIfMissingAsync(manifest, ct);
            }
            else if (!MediaTypes.IsManifest(entry.MediaType))
            {
                continue;
            }

            var names = NamesOf(entry.Annotations, name, source.Describe, entry.Digest);
            images.Add(new ArchiveImage(target, manifest, names));
        }

        return images;
    }

    /// <summary>A docker save archive's images, with an OCI manifest written for each; null when it is not one.</summary>
    private async Task<List<ArchiveImage>?> ReadDockerArchiveAsync(ArchiveSource source, ImageReference? name, Action<Digest> hold, CancellationToken ct)
    {
        if (await source.ReadSmallAsync("manifest.json", ct) is not { } bytes)
        {
            return null;
        }

        List<DockerArchiveEntry> entries;
        try
        {
            entries = JsonSerializer.Deserialize(bytes, OciJson.Default.ListDockerArchiveEntry) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source.Describe}: manifest.json is not valid JSON: {e.Message}", e);
        }

        var images = new List<ArchiveImage>();
        foreach (var entry in entries)
        {
            if (entry?.Config is null || entry.Layers is null)
            {
                throw new InvalidDataException($"{source.Describe}: a manifest.json entry has no Config or Layers");
            }

            var config = await source.IngestAsync(entry.Config, null, ct);
            var layers = new List<Descriptor>();
            foreach (var layerName in entry.Layers)
            {
                var blob = await source.IngestAsync(layerName, null, ct);
                layers.Add(new Descriptor(LayerMediaType(blob), blob.ToString(), _content.SizeOf(blob)));
            }

            var document = new ManifestDocument(2, new Descriptor(MediaTypes.OciConfig, config.ToString(), _content.SizeOf(config)), layers)
            {
                MediaType = MediaTypes.OciManifest,
            };
            var manifest = await _content.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(document, OciJson.Default.ManifestDocument), hold, ct);
            var annotations = (entry.RepoTags ?? []).Count > 0
                ? new Dictionary<string, string> { [ImageNameAnnotation] = entry.RepoTags![0] }
                : null;
            var names = (entry.RepoTags ?? []).Count > 1
                ? [.. entry.RepoTags!.Select(ImageReference.Parse)]
                : NamesOf(annotations, name, source.Describe, manifest.ToString());
            images.Add(new ArchiveImage(manifest, manifest, names));
        }

        return images;
    }

    /// <summary>
    /// The names one archived image gets: its full name when the archive has one; its tag in the
    /// repository <paramref name="name"/> when the archive has only a tag (as skopeo and umoci
    /// write layouts); <paramref name="name"/> itself when the archive names it not at all.
    /// </summary>
    private static List<ImageReference> NamesOf(IReadOnlyDictionary<string, string>? annotations, ImageReference? name, string archive, string digest)
    {
        if (annotations?.GetValueOrDefault(ImageNameAnnotation) is { } full && ImageReference.TryParse(full, out var named))
        {
            return [named];
        }

        if (annotations?.GetValueOrDefault(RefNameAnnotation) is { } refName)
        {
            if ((refName.Contains('/') || refName.Contains('@')) && ImageReference.TryParse(refName, out var whole))
            {
                return [whole];
            }

            return name is not null
                ? [name.WithTag(refName)]
                : throw new InvalidDataException($"{archive}: image {digest} is named only by its tag \"{refName}\"; give a repository to load it into (berth image load --name REPOSITORY)");
        }

        return name is not null ? [name] : throw new InvalidDataException($"{archive}: image {digest} has no name; give one (berth image load --name NAME[:TAG])");
    }

    private string LayerMediaType(Digest blob)
    {
        using var file = _content.OpenRead(blob);
        using var stream = LayerStore.Decompress(file);
        return stream switch
        {
            System.IO.Compression.GZipStream => MediaTypes.OciLayerGzip,
            ZstdSharp.DecompressionStream => MediaTypes.OciLayerZstd,
            _ => MediaTypes.OciLayer,
        };
    }

    private sealed record ArchiveImage(Digest Target, Digest Manifest, List<ImageReference> Names);
}
