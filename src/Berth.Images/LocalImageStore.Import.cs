using System.Text.Json;
using Berth.Images.Oci;
using Berth.Linux;

namespace Berth.Images;

// "berth image import ROOTFS NAME": a root filesystem directory becomes a one-layer OCI image,
// stored like any pulled one, so that save, GC and the runtime need no special case.
public sealed partial class LocalImageStore
{
    public async Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootfsDir);
        ArgumentNullException.ThrowIfNull(reference);
        CreateRoot();
        Directory.CreateDirectory(_content.IngestDir);
        var tar = Path.Combine(_content.IngestDir, $".tmp-{Guid.NewGuid():N}");
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
            using var lease = Hold([]);
            var (layer, layerSize) = await _content.AdoptAsync(tar, d => lease.Add([BlobKey(d), LayerKey(d)]), ct);

            var now = DateTimeOffset.UtcNow;
            var config = new ConfigDocument(_options.Platform.Architecture, _options.Platform.Os, new RootfsDocument("layers", [layer.ToString()]))
            {
                Created = now,
                Config = new ContainerConfigDocument(),
                History = [new HistoryDocument(now, $"berth image import {rootfsDir}")],
            };
            var configBytes = JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Default.ConfigDocument);
            var configDigest = await _content.WriteAsync(configBytes, d => lease.Add([BlobKey(d)]), ct);
            var manifest = new ManifestDocument(
                2,
                new Descriptor(MediaTypes.OciConfig, configDigest.ToString(), configBytes.Length),
                [new Descriptor(MediaTypes.OciLayer, layer.ToString(), layerSize)])
            {
                MediaType = MediaTypes.OciManifest,
            };
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Default.ManifestDocument);
            var manifestDigest = await _content.WriteAsync(manifestBytes, d => lease.Add([BlobKey(d)]), ct);

            // An uncompressed layer's digest is its diff ID.
            await _layers.EnsureAsync(layer, layer, ct);
            return await CommitAsync(reference, manifestDigest, manifestDigest, ImageOrigin.Imported, ct);
        }
        finally
        {
            File.Delete(tar);
        }
    }
}
