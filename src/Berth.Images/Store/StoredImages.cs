using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;

namespace Berth.Images.Store;

/// <summary>
/// &lt;root&gt;/images/&lt;manifest hex&gt;.json: what the store derived from each image's manifest,
/// config and unpacked layers, so that listing reads one small file per image. A document lives
/// as long as its manifest blob.
/// </summary>
internal sealed class StoredImages(string root, ContentStore content, LayerStore layers)
{
    public const string DirName = "images";

    public string Dir { get; } = Path.Combine(root, DirName);

    public StoredImage? Read(Digest manifest) => StoreFiles.ReadJson(PathOf(manifest), StoreJson.Default.StoredImage);

    /// <summary>Writes (or reuses) the document from the manifest and config blobs and the unpacked layers.</summary>
    public async Task<StoredImage> DescribeAsync(Digest manifestDigest, CancellationToken ct)
    {
        var path = PathOf(manifestDigest);
        var existing = Read(manifestDigest);
        var manifest = ImageDocuments.ParseManifest(await content.ReadAllAsync(manifestDigest, ImageDocuments.MaxSize, ct), manifestDigest.ToString());
        var configDigest = Digest.Parse(manifest.Config.Digest);
        var config = ImageDocuments.ParseConfig(await content.ReadAllAsync(configDigest, ImageDocuments.MaxSize, ct), configDigest);
        var diffIds = ImageDocuments.DiffIds(config, manifest, configDigest);
        var stored = new List<StoredLayer>();
        long size = 0;
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = layers.Read(diffIds[i]) ?? throw new InvalidOperationException($"layer {diffIds[i]} of {manifestDigest} is not unpacked");
            size += layer.Size;
            stored.Add(new StoredLayer(manifest.Layers[i].Digest, diffIds[i].ToString(), manifest.Layers[i].MediaType, manifest.Layers[i].Size));
        }

        var now = DateTimeOffset.UtcNow;
        var image = new StoredImage(
            configDigest.Encoded,
            manifestDigest.ToString(),
            manifest.MediaType ?? MediaTypes.OciManifest,
            configDigest.ToString(),
            stored,
            config.Created ?? existing?.Created ?? now,
            existing?.Added ?? now,
            size,
            config.Os ?? "linux",
            config.Architecture ?? "",
            ImageDocuments.ToImageConfig(config.Config));
        if (existing is null || existing != image)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await StoreFiles.WriteJsonAsync(path, image, StoreJson.Default.StoredImage, ct);
        }

        return image;
    }

    /// <summary>Deletes the documents whose manifest is not among <paramref name="blobs"/>.</summary>
    public void DeleteUnreferenced(IReadOnlySet<string> blobs)
    {
        if (!Directory.Exists(Dir))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(Dir, "*.json").ToList())
        {
            var hex = Path.GetFileNameWithoutExtension(file);
            if (!blobs.Contains($"{Digest.Sha256}:{hex}") && !blobs.Contains($"{Digest.Sha512}:{hex}"))
            {
                File.Delete(file);
            }
        }
    }

    private string PathOf(Digest manifest) => Path.Combine(Dir, manifest.Encoded + ".json");
}
