using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Images.Content;

namespace Berth.Images.Tests;

public sealed class ArchiveTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly LocalImageStore _store;

    public ArchiveTests() => _store = new LocalImageStore(_scratch["store"]);

    public void Dispose()
    {
        _store.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Loads_an_oci_layout_directory_by_its_full_names_or_by_tag_into_a_repository()
    {
        var layout = _scratch["layout"];
        var one = TestLayout.WriteImage(layout, [(new TestLayer().File("n", "1"), Compression.Gzip)]);
        var two = TestLayout.WriteImage(layout, [(new TestLayer().File("n", "2"), Compression.Zstd)]);
        TestLayout.Name(layout, (one, "v1"), (two, "v2"));

        var unnamed = await Assert.ThrowsAsync<InvalidDataException>(() => _store.LoadAsync(layout, null, CancellationToken.None));
        var loaded = await _store.LoadAsync(layout, ImageReference.Parse("team/app"), CancellationToken.None);

        Assert.Contains("named only by its tag \"v1\"", unnamed.Message, StringComparison.Ordinal);
        Assert.Equal(["team/app:v1", "team/app:v2"], loaded.Select(i => i.Reference.ToString()));
        Assert.Equal([one.Id, two.Id], loaded.Select(i => i.Id));
        Assert.Equal("2", File.ReadAllText(Path.Combine(loaded[1].Layers[0], "n")));
    }

    [Fact]
    public async Task Save_then_load_round_trips_through_an_oci_layout_tar()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(new TestLayer().File("a", "first"), Compression.Gzip), (new TestLayer().File("b", "second"), Compression.None)],
            new JsonObject { ["Cmd"] = new JsonArray("run") });
        TestLayout.Name(layout, (image, "v1"));
        await _store.LoadAsync(layout, ImageReference.Parse("localhost:5000/round/trip"), CancellationToken.None);
        var archive = _scratch["saved.tar"];

        await _store.SaveAsync(["localhost:5000/round/trip:v1"], archive, CancellationToken.None);

        var names = new List<string>();
        await using (var file = File.OpenRead(archive))
        await using (var reader = new TarReader(file))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                names.Add(entry.Name);
            }
        }

        Assert.Contains("oci-layout", names);
        Assert.Contains("index.json", names);
        Assert.Contains("manifest.json", names);
        Assert.Contains("blobs/sha256/" + image.ManifestDigest["sha256:".Length..], names);

        using var other = new LocalImageStore(_scratch["other"]);
        var loaded = Assert.Single(await other.LoadAsync(archive, null, CancellationToken.None));
        Assert.Equal("localhost:5000/round/trip:v1", loaded.Reference.ToString());
        Assert.Equal(image.Id, loaded.Id);
        Assert.Equal(image.ManifestDigest, loaded.ManifestDigest!.ToString());
        Assert.Equal(["run"], loaded.Config.Cmd);
        Assert.Equal("second", File.ReadAllText(Path.Combine(loaded.Layers[1], "b")));
    }

    [Fact]
    public async Task Loads_a_docker_save_archive_with_linked_layers()
    {
        var first = new TestLayer().File("etc/hostname", "docker\n").Tar();
        var second = new TestLayer().File("app", "bin").Tar();
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Entrypoint"] = new JsonArray("/app") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(TestLayout.Sha256(first), TestLayout.Sha256(second), TestLayout.Sha256(first)) },
        }.ToJsonString());
        var configName = TestLayout.Sha256(config)["sha256:".Length..] + ".json";
        var manifest = $$"""[{"Config": "{{configName}}", "RepoTags": ["busybox:saved"], "Layers": ["aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar"]}]""";
        var archive = _scratch["docker.tar"];
        await using (var file = File.Create(archive))
        await using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
        {
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "aaa/layer.tar") { DataStream = new MemoryStream(first) });
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "bbb/layer.tar") { DataStream = new MemoryStream(second) });

            // docker save writes a layer used twice once, and links to it.
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.SymbolicLink, "ccc/layer.tar") { LinkName = "../aaa/layer.tar" });
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, configName) { DataStream = new MemoryStream(config) });
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest)) });
        }

        var loaded = Assert.Single(await _store.LoadAsync(archive, null, CancellationToken.None));

        Assert.Equal("busybox:saved", loaded.Reference.ToString());
        Assert.Equal(TestLayout.Sha256(config)["sha256:".Length..], loaded.Id);
        Assert.Equal(["/app"], loaded.Config.Entrypoint);
        Assert.Equal(3, loaded.Layers.Count);
        Assert.Equal(loaded.Layers[0], loaded.Layers[2]);
        Assert.Equal("docker\n", File.ReadAllText(Path.Combine(loaded.Layers[0], "etc/hostname")));
    }

    [Fact]
    public async Task A_layout_blob_that_does_not_match_its_name_is_rejected()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(new TestLayer().File("x", "real"), Compression.None)]);
        TestLayout.Name(layout, (image, "v1"));
        var blob = Path.Combine(layout, "blobs", "sha256", image.LayerDigests[0]["sha256:".Length..]);
        var bytes = File.ReadAllBytes(blob);
        File.WriteAllBytes(blob, bytes[..^512]);

        var error = await Assert.ThrowsAsync<BlobVerificationException>(() => _store.LoadAsync(layout, ImageReference.Parse("bad"), CancellationToken.None));

        Assert.Contains($"blob {image.LayerDigests[0]} failed verification", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.False(File.Exists(Path.Combine(_store.Root, "blobs", "sha256", image.LayerDigests[0]["sha256:".Length..])));
    }
}
