using System.Text.Json;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Oci;
using Berth.Linux;

namespace Berth.Images.Store;

/// <summary>
/// "berth image import ROOTFS NAME": a root filesystem directory becomes a one-layer OCI image,
/// stored like any pulled one, so that save, GC and the runtime need no special case.
/// </summary>
internal sealed class RootfsImporter(Platform platform, string root, ContentStore content, LayerStore layers, ContentLeases leases, ImageIndex index)
{
    public async Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct)
    {
        StoreFiles.CreateRoot(root);
        Directory.CreateDirectory(content.IngestDir);
        var tar = Path.Combine(content.IngestDir, $".tmp-{Guid.NewGuid():N}");
        try
        {
            // GNU tar keeps owners, modes, symlinks, hard links, devices, fifos and xattrs, which
            // .NET's TarWriter does not all do. Sorted names and no access or change times make
            // the same tree the same layer, so importing it twice stores it once. No timeout: how
            // long it takes depends only on the size of the tree.
            await CommandRunner.RunAsync(
                "tar",
                ["--create", "--file", tar, "--directory", Path.GetFullPath(rootfsDir), "--numeric-owner", "--format=posix",
                    "--pax-option=delete=atime,delete=ctime", "--xattrs", "--xattrs-include=*", "--sort=name", "."],
                ct,
                timeout: Timeout.InfiniteTimeSpan);
            using var lease = leases.Hold([]);
            var (layer, layerSize) = await content.AdoptAsync(tar, d => lease.Add([ContentLeases.Blob(d), ContentLeases.Layer(d)]), ct);

            var now = DateTimeOffset.UtcNow;
            var config = new ConfigDocument(platform.Architecture, platform.Os, new RootfsDocument("layers", [layer.ToString()]))
            {
                Created = now,
                Config = new ContainerConfigDocument(),
                History = [new HistoryDocument(now, $"berth image import {rootfsDir}")],
            };
            var configBytes = JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Default.ConfigDocument);
            var configDigest = await content.WriteAsync(configBytes, d => lease.Add([ContentLeases.Blob(d)]), ct);
            var manifest = new ManifestDocument(
                2,
                new Descriptor(MediaTypes.OciConfig, configDigest.ToString(), configBytes.Length),
                [new Descriptor(MediaTypes.OciLayer, layer.ToString(), layerSize)])
            {
                MediaType = MediaTypes.OciManifest,
            };
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Default.ManifestDocument);
            var manifestDigest = await content.WriteAsync(manifestBytes, d => lease.Add([ContentLeases.Blob(d)]), ct);

            // An uncompressed layer's digest is its diff ID.
            await layers.EnsureAsync(layer, layer, ct);
            return await index.CommitAsync(reference, manifestDigest, manifestDigest, ImageOrigin.Imported, ct);
        }
        finally
        {
            File.Delete(tar);
        }
    }
}
