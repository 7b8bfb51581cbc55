using System.Text.Json;
using Berth.Images.Archives;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Images.Registry;

namespace Berth.Images.Store;

/// <summary>
/// Images in from files: OCI image layouts (a directory or a tar) and docker save archives, their
/// blobs verified into the content store and held by a lease until every name is written.
/// </summary>
internal sealed class ArchiveLoader(Platform platform, string root, ContentStore content, LayerStore layers, ContentLeases leases, ImageIndex index)
{
    public async Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, ImageReference? name, CancellationToken ct)
    {
        StoreFiles.CreateRoot(root);
        using var lease = leases.Hold([]);
        void Claim(Digest digest) => lease.Add([ContentLeases.Blob(digest)]);
        var source = await ArchiveSource.OpenAsync(path, content, Claim, ct);
        var images = await ReadLayoutAsync(source, name, ct) ?? await ReadDockerArchiveAsync(source, name, Claim, ct)
            ?? throw new InvalidDataException($"{source.Describe} is neither an OCI image layout (oci-layout and index.json) nor a docker save archive (manifest.json)");
        if (images.Count == 0)
        {
            throw new InvalidDataException($"{source.Describe} holds no image");
        }

        var loaded = new List<ImageRecord>();
        foreach (var image in images)
        {
            var manifest = ImageDocuments.ParseManifest(await content.ReadAllAsync(image.Manifest, ImageDocuments.MaxSize, ct), image.Manifest.ToString());
            var configDigest = Digest.Parse(manifest.Config.Digest);
            await source.IngestBlobIfMissingAsync(configDigest, ct);
            var config = ImageDocuments.ParseConfig(await content.ReadAllAsync(configDigest, ImageDocuments.MaxSize, ct), configDigest);
            var diffIds = ImageDocuments.DiffIds(config, manifest, configDigest);
            lease.Add([ContentLeases.Blob(configDigest), .. diffIds.Select(ContentLeases.Layer)]);
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var blob = Digest.Parse(manifest.Layers[i].Digest);
                await source.IngestBlobIfMissingAsync(blob, ct);
                lease.Add([ContentLeases.Blob(blob)]);
                await layers.EnsureAsync(diffIds[i], blob, ct);
            }

            foreach (var reference in image.Names)
            {
                loaded.Add(await index.CommitAsync(reference, image.Target, image.Manifest, ImageOrigin.Loaded, ct));
            }
        }

        return loaded;
    }

    /// <summary>An OCI layout's images with their names; null when it is not a layout.</summary>
    private async Task<List<ArchiveImage>?> ReadLayoutAsync(ArchiveSource source, ImageReference? name, CancellationToken ct)
    {
        if (await source.ReadSmallAsync("oci-layout", ct) is null || await source.ReadSmallAsync("index.json", ct) is not { } indexBytes)
        {
            return null;
        }

        IndexDocument layoutIndex;
        try
        {
            layoutIndex = JsonSerializer.Deserialize(indexBytes, OciJson.Default.IndexDocument) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source.Describe}: index.json is not valid JSON: {e.Message}", e);
        }

        var entries = (layoutIndex.Manifests ?? []).Where(m => m is not null && Digest.TryParse(m.Digest, out _)).ToList();
        var images = new List<ArchiveImage>();
        foreach (var entry in entries)
        {
            var target = Digest.Parse(entry.Digest);
            await source.IngestBlobIfMissingAsync(target, ct);
            var manifest = target;
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                var chosen = PlatformIndex.Choose(await content.ReadAllAsync(target, ImageDocuments.MaxSize, ct), target, platform, source.Describe);
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
            var layerDescriptors = new List<Descriptor>();
            foreach (var layerName in entry.Layers)
            {
                var blob = await source.IngestAsync(layerName, null, ct);
                layerDescriptors.Add(new Descriptor(LayerMediaType(blob), blob.ToString(), content.SizeOf(blob)));
            }

            var document = new ManifestDocument(2, new Descriptor(MediaTypes.OciConfig, config.ToString(), content.SizeOf(config)), layerDescriptors)
            {
                MediaType = MediaTypes.OciManifest,
            };
            var manifest = await content.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(document, OciJson.Default.ManifestDocument), hold, ct);
            var annotations = (entry.RepoTags ?? []).Count > 0
                ? new Dictionary<string, string> { [LocalImageStore.ImageNameAnnotation] = entry.RepoTags![0] }
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
        if (annotations?.GetValueOrDefault(LocalImageStore.ImageNameAnnotation) is { } full && ImageReference.TryParse(full, out var named))
        {
            return [named];
        }

        if (annotations?.GetValueOrDefault(LocalImageStore.RefNameAnnotation) is { } refName)
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
        using var file = content.OpenRead(blob);
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
