using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Images.Tests;

internal enum Compression
{
    None,
    Gzip,
    Zstd,
}

/// <summary>A layer tar built entry by entry, hostile ones included.</summary>
internal sealed class TestLayer
{
    private readonly List<PaxTarEntry> _entries = [];

    public TestLayer File(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0, int gid = 0, IDictionary<string, string>? pax = null) =>
        File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid, pax);

    public TestLayer File(string name, byte[] content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0, int gid = 0, IDictionary<string, string>? pax = null) =>
        Add(new PaxTarEntry(TarEntryType.RegularFile, name, pax ?? new Dictionary<string, string>()) { DataStream = new MemoryStream(content), Mode = mode, Uid = uid, Gid = gid });

    public TestLayer Dir(string name, UnixFileMode mode = (UnixFileMode)0b111_101_101, int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode, Uid = uid, Gid = gid });

    public TestLayer Symlink(string name, string target) => Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public TestLayer HardLink(string name, string target) => Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    public TestLayer Fifo(string name) => Add(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0b110_100_100 });

    public TestLayer CharDevice(string name, int major, int minor) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0b110_110_110 });

    /// <summary>An OCI whiteout of <paramref name="path"/>.</summary>
    public TestLayer Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        return File(slash < 0 ? ".wh." + path : $"{path[..(slash + 1)]}.wh.{path[(slash + 1)..]}", "");
    }

    public TestLayer Opaque(string dir) => File($"{dir}/.wh..wh..opq", "");

    public byte[] Tar()
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    private TestLayer Add(PaxTarEntry entry)
    {
        entry.ModificationTime = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        _entries.Add(entry);
        return this;
    }

    public static byte[] Compress(byte[] tar, Compression compression)
    {
        switch (compression)
        {
            case Compression.Gzip:
                {
                    using var output = new MemoryStream();
                    using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(tar);
                    }

                    return output.ToArray();
                }

            case Compression.Zstd:
                {
                    using var output = new MemoryStream();
                    using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
                    {
                        zstd.Write(tar);
                    }

                    return output.ToArray();
                }

            default:
                return tar;
        }
    }
}

/// <summary>One image of a test layout: what its manifest and config are.</summary>
internal sealed record TestImage(string ManifestDigest, long ManifestSize, string ConfigDigest, IReadOnlyList<string> LayerDigests, string MediaType)
{
    public string Id => ConfigDigest["sha256:".Length..];
}

/// <summary>Writes OCI image layouts from test layers: what skopeo pushes and berth loads.</summary>
internal static class TestLayout
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    public static string Sha256(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Writes the blobs of one image (config, layers, manifest) into the layout; returns it without naming it.</summary>
    public static TestImage WriteImage(string layout, IReadOnlyList<(TestLayer Layer, Compression Compression)> layers, JsonObject? config = null, string architecture = "amd64")
    {
        Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256"));
        System.IO.File.WriteAllText(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var layerDescriptors = new JsonArray();
        var diffIds = new JsonArray();
        var digests = new List<string>();
        foreach (var (layer, compression) in layers)
        {
            var tar = layer.Tar();
            var blob = TestLayer.Compress(tar, compression);
            var digest = WriteBlob(layout, blob);
            digests.Add(digest);
            diffIds.Add(Sha256(tar));
            layerDescriptors.Add(new JsonObject
            {
                ["mediaType"] = compression switch
                {
                    Compression.Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
                    Compression.Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
                    _ => "application/vnd.oci.image.layer.v1.tar",
                },
                ["digest"] = digest,
                ["size"] = blob.Length,
            });
        }

        var configDocument = new JsonObject
        {
            ["created"] = "2024-05-06T07:08:09Z",
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = config ?? new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        };
        var configBytes = Encoding.UTF8.GetBytes(configDocument.ToJsonString());
        var configDigest = WriteBlob(layout, configBytes);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = configDigest, ["size"] = configBytes.Length },
            ["layers"] = layerDescriptors,
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return new TestImage(WriteBlob(layout, manifestBytes), manifestBytes.Length, configDigest, digests, OciManifest);
    }

    /// <summary>An index of several platforms' images, stored as a blob of the layout.</summary>
    public static TestImage WriteIndex(string layout, IReadOnlyList<(TestImage Image, string Architecture)> images)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciIndex,
            ["manifests"] = new JsonArray([.. images.Select(i => (JsonNode)new JsonObject
            {
                ["mediaType"] = OciManifest,
                ["digest"] = i.Image.ManifestDigest,
                ["size"] = i.Image.ManifestSize,
                ["platform"] = new JsonObject { ["architecture"] = i.Architecture, ["os"] = "linux" },
            })]),
        };
        var bytes = Encoding.UTF8.GetBytes(index.ToJsonString());
        return new TestImage(WriteBlob(layout, bytes), bytes.Length, "", [], OciIndex);
    }

    /// <summary>(Re)writes the layout's index.json naming each image by a ref.name annotation.</summary>
    public static void Name(string layout, params (TestImage Image, string? RefName)[] images)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray([.. images.Select(i =>
            {
                var descriptor = new JsonObject { ["mediaType"] = i.Image.MediaType, ["digest"] = i.Image.ManifestDigest, ["size"] = i.Image.ManifestSize };
                if (i.RefName is not null)
                {
                    descriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = i.RefName };
                }

                return (JsonNode)descriptor;
            })]),
        };
        System.IO.File.WriteAllText(Path.Combine(layout, "index.json"), index.ToJsonString());
    }

    public static string WriteBlob(string layout, byte[] content)
    {
        var digest = Sha256(content);
        Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256"));
        System.IO.File.WriteAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]), content);
        return digest;
    }

    /// <summary>A layer holding one file of random (incompressible) bytes.</summary>
    public static TestLayer RandomFile(string name, int size) => new TestLayer().File(name, RandomNumberGenerator.GetBytes(size));
}
