using System.Text.Json.Nodes;
using Berth.Images.Content;
using Berth.Images.Registry;

namespace Berth.Images.Tests;

/// <summary>One plain-HTTP registry for a test class.</summary>
public sealed class PlainRegistryFixture : IAsyncLifetime
{
    internal TestRegistry Registry { get; private set; } = null!;

    public async Task InitializeAsync() => Registry = await TestRegistry.StartAsync();

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

public sealed class PullTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private static readonly Platform Amd64 = new("linux", "amd64");

    private readonly TempDirectory _scratch = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private TestRegistry Registry => fixture.Registry;

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Pulls_by_tag_then_by_digest_with_gzip_zstd_and_uncompressed_layers()
    {
        var layout = _scratch["layout"];
        var config = new JsonObject
        {
            ["Entrypoint"] = new JsonArray("/bin/app"),
            ["Cmd"] = new JsonArray("--serve"),
            ["Env"] = new JsonArray("PATH=/bin", "MODE=test"),
            ["WorkingDir"] = "/srv",
            ["User"] = "app:app",
            ["ExposedPorts"] = new JsonObject { ["8080/tcp"] = new JsonObject(), ["53/udp"] = new JsonObject() },
            ["Labels"] = new JsonObject { ["team"] = "berth" },
        };
        var image = TestLayout.WriteImage(layout, [
            (new TestLayer().Dir("etc").File("etc/one", "gzip layer\n"), Compression.Gzip),
            (new TestLayer().File("etc/two", "zstd layer\n").Whiteout("etc/one"), Compression.Zstd),
            (new TestLayer().File("three", "plain layer\n"), Compression.None),
        ], config);
        TestLayout.Name(layout, (image, "v1"));
        await Registry.PushAsync(layout, "v1", "test/layers:v1");
        using var store = Store();

        var pulled = await store.PullAsync($"{Registry.Host}/test/layers:v1", new PullOptions(), null, Ct);

        Assert.Equal($"{Registry.Host}/test/layers:v1", pulled.Reference.ToString());
        Assert.Equal(image.Id, pulled.Id);
        Assert.Equal(3, pulled.Layers.Count);
        Assert.Equal("gzip layer\n", File.ReadAllText(Path.Combine(pulled.Layers[0], "etc/one")));
        Assert.Equal("zstd layer\n", File.ReadAllText(Path.Combine(pulled.Layers[1], "etc/two")));
        Assert.Equal("plain layer\n", File.ReadAllText(Path.Combine(pulled.Layers[2], "three")));
        Assert.Equal(3, pulled.OverlayLowerDir.Split(':').Length);
        Assert.EndsWith(Path.GetFileName(Path.GetDirectoryName(pulled.Layers[0]))![..20], pulled.OverlayLowerDir, StringComparison.Ordinal);
        Assert.Equal(["/bin/app"], pulled.Config.Entrypoint);
        Assert.Equal(["--serve"], pulled.Config.Cmd);
        Assert.Equal(["PATH=/bin", "MODE=test"], pulled.Config.Env);
        Assert.Equal("/srv", pulled.Config.WorkingDir);
        Assert.Equal("app:app", pulled.Config.User);
        Assert.Equal(["53/udp", "8080/tcp"], pulled.Config.ExposedPorts);
        Assert.Equal("berth", pulled.Config.Labels["team"]);
        Assert.StartsWith($"{Registry.Host}/test/layers@sha256:", pulled.RepoDigest, StringComparison.Ordinal);

        var byDigest = await store.PullAsync(pulled.RepoDigest!, new PullOptions(), null, Ct);

        Assert.Equal(pulled.Id, byDigest.Id);
        Assert.Null(byDigest.Reference.Tag);
        Assert.Equal(pulled.Layers, byDigest.Layers);
        Assert.Equal(pulled.Id, store.Find(pulled.RepoDigest!)!.Id);
        Assert.Equal(2, store.List().Count);
    }

    [Fact]
    public async Task A_multi_platform_index_resolves_to_linux_amd64()
    {
        var layout = _scratch["layout"];
        var arm = TestLayout.WriteImage(layout, [(new TestLayer().File("arch", "arm64"), Compression.Gzip)], architecture: "arm64");
        var amd = TestLayout.WriteImage(layout, [(new TestLayer().File("arch", "amd64"), Compression.Gzip)], architecture: "amd64");
        var index = TestLayout.WriteIndex(layout, [(arm, "arm64"), (amd, "amd64")]);
        TestLayout.Name(layout, (index, "multi"));
        await Registry.PushAsync(layout, "multi", "test/multi:v1", all: true);
        using var store = Store();

        var pulled = await store.PullAsync($"{Registry.Host}/test/multi:v1", new PullOptions { Platform = Amd64 }, null, Ct);

        Assert.Equal("amd64", File.ReadAllText(Path.Combine(pulled.Layers[0], "arch")));
        Assert.Equal("amd64", pulled.Architecture);
        Assert.Equal(amd.Id, pulled.Id);
        Assert.NotEqual(pulled.ManifestDigest!.ToString(), pulled.RepoDigest![(pulled.RepoDigest!.IndexOf('@') + 1)..]);

        var missing = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{Registry.Host}/test/multi:v1", new PullOptions { Platform = new Platform("linux", "s390x") }, null, Ct));
        Assert.Equal(RegistryErrorKind.NotFound, missing.Kind);
        Assert.Contains("no image for linux/s390x (it has linux/arm64, linux/amd64)", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_schema_2_manifests_pull_like_oci_ones()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(new TestLayer().File("hello", "docker\n"), Compression.Gzip)], new JsonObject { ["Cmd"] = new JsonArray("sh") });
        TestLayout.Name(layout, (image, "v1"));
        await Registry.PushAsync(layout, "v1", "test/docker:v1", format: "v2s2");
        using var store = Store();

        var pulled = await store.PullAsync($"{Registry.Host}/test/docker:v1", new PullOptions(), null, Ct);

        Assert.Equal("docker\n", File.ReadAllText(Path.Combine(pulled.Layers[0], "hello")));
        Assert.Equal(["sh"], pulled.Config.Cmd);
        var manifest = File.ReadAllText(Path.Combine(store.Root, "blobs", "sha256", pulled.ManifestDigest!.Encoded));
        Assert.Contains("application/vnd.docker.distribution.manifest.v2+json", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mirrors_stand_in_for_other_registries_keeping_the_repository_path()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(new TestLayer().File("pause", "paused\n"), Compression.Gzip)]);
        TestLayout.Name(layout, (image, "v1"));
        await Registry.PushAsync(layout, "v1", "pause:3.10");
        await Registry.PushAsync(layout, "v1", "library/busybox:1.36");
        using var store = Store(new RegistryMirror("registry.k8s.io", Registry.Endpoint), RegistryMirror.Parse($"docker.io={Registry.Endpoint}"));

        var pause = await store.PullAsync("registry.k8s.io/pause:3.10", new PullOptions(), null, Ct);
        var busybox = await store.PullAsync("busybox:1.36", new PullOptions(), null, Ct);

        Assert.Equal("registry.k8s.io/pause:3.10", pause.Reference.ToString());
        Assert.Equal("busybox:1.36", busybox.Reference.ToString());
        Assert.Equal(pause.Layers, busybox.Layers);
        Assert.Equal("paused\n", File.ReadAllText(Path.Combine(pause.Layers[0], "pause")));
    }

    [Fact]
    public async Task A_missing_image_is_reported_by_name()
    {
        using var store = Store();

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync($"{Registry.Host}/test/nothing:v9", new PullOptions(), null, Ct));

        Assert.Equal(RegistryErrorKind.NotFound, error.Kind);
        Assert.Contains("test/nothing:v9", error.Message, StringComparison.Ordinal);
        Assert.Contains("MANIFEST_UNKNOWN", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Concurrent_pulls_of_one_image_fetch_each_blob_once()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [
            (TestLayout.RandomFile("a", 300_000), Compression.None),
            (TestLayout.RandomFile("b", 300_000), Compression.Gzip),
        ]);
        await Registry.PushRawAsync(layout, image, "test/concurrent:v1");
        await using var proxy = new RegistryProxy(Registry.Endpoint) { BlobDelay = TimeSpan.FromMilliseconds(10) };
        using var store = Store();

        var pulls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => store.PullAsync($"{proxy.Host}/test/concurrent:v1", new PullOptions(), null, Ct)));

        Assert.All(pulls, p => Assert.Equal(image.Id, p.Id));
        foreach (var layer in image.LayerDigests)
        {
            Assert.Equal(1, proxy.Count("GET", layer));
        }

        Assert.Equal(1, proxy.Count("GET", image.ConfigDigest));
    }

    [Fact]
    public async Task A_pull_killed_halfway_leaves_no_image_and_the_next_one_resumes()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(TestLayout.RandomFile("big", 1_500_000), Compression.None)]);
        await Registry.PushRawAsync(layout, image, "test/resume:v1");
        await using var proxy = new RegistryProxy(Registry.Endpoint) { BlobDelay = TimeSpan.FromMilliseconds(20) };
        var reference = $"{proxy.Host}/test/resume:v1";
        using (var killed = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var store = Store();
            var progress = new Inline(p =>
            {
                if (p.Status == PullStatus.Downloading && p.Current >= 300_000)
                {
                    killed.Cancel();
                }
            });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PullAsync(reference, new PullOptions(), progress, killed.Token));

            Assert.Empty(store.List());
            Assert.Null(store.Find(reference));
        }

        var partial = Assert.Single(Directory.GetFiles(Path.Combine(_scratch["store"], "ingest"), "*.partial"));
        await Unlocked(partial);
        Assert.True(new FileInfo(partial).Length >= 300_000, "the partial download survives the kill");
        var before = proxy.Requests.Count;

        proxy.BlobDelay = TimeSpan.Zero;
        using var again = Store();
        var pulled = await again.PullAsync(reference, new PullOptions(), null, Ct);

        // Uncompressed: the layer blob is the tar itself.
        Assert.Equal(image.LayerDigests[0]["sha256:".Length..], Path.GetFileName(Path.GetDirectoryName(pulled.Layers[0])));
        Assert.Equal(1_500_000, new FileInfo(Path.Combine(pulled.Layers[0], "big")).Length);
        var resumed = Assert.Single(proxy.Requests.Skip(before), r => r.Path.EndsWith(image.LayerDigests[0], StringComparison.Ordinal));
        Assert.Matches("^bytes=[1-9][0-9]{5,6}-$", resumed.Range);
        Assert.Empty(Directory.GetFiles(Path.Combine(_scratch["store"], "ingest")));
    }

    [Fact]
    public async Task A_dropped_connection_is_resumed_within_the_same_pull()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(TestLayout.RandomFile("big", 400_000), Compression.Gzip)]);
        TestLayout.Name(layout, (image, "v1"));
        await Registry.PushAsync(layout, "v1", "test/dropped:v1");
        await using var proxy = new RegistryProxy(Registry.Endpoint);
        proxy.CutNextBlob(image.LayerDigests[0], 100_000);
        using var store = Store();

        var pulled = await store.PullAsync($"{proxy.Host}/test/dropped:v1", new PullOptions(), null, Ct);

        Assert.Equal(image.Id, pulled.Id);
        Assert.Equal(2, proxy.Count("GET", image.LayerDigests[0]));
        Assert.Contains(proxy.Requests, r => r.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range != "bytes=0-");
    }

    [Fact]
    public async Task A_blob_whose_content_does_not_match_its_digest_is_rejected_and_removed()
    {
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(TestLayout.RandomFile("x", 50_000), Compression.None)]);
        await Registry.PushRawAsync(layout, image, "test/corrupt:v1");
        var stored = Directory.GetFiles(Path.Combine(Registry.DataDir, "docker/registry/v2/blobs/sha256"), "data", SearchOption.AllDirectories)
            .Single(f => Path.GetFileName(Path.GetDirectoryName(f)) == image.LayerDigests[0]["sha256:".Length..]);
        var bytes = File.ReadAllBytes(stored);
        bytes[^1000] ^= 0xff;
        File.WriteAllBytes(stored, bytes);
        using var store = Store();

        var error = await Assert.ThrowsAsync<BlobVerificationException>(() => store.PullAsync($"{Registry.Host}/test/corrupt:v1", new PullOptions(), null, Ct));

        Assert.Contains($"blob {image.LayerDigests[0]} failed verification", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, "ingest")));
        Assert.False(File.Exists(Path.Combine(store.Root, "blobs", "sha256", image.LayerDigests[0]["sha256:".Length..])));
        Assert.Empty(store.List());
    }

    /// <summary>
    /// The killed pull's download winds down in the background of this process; a new process
    /// (simulated by a new store) would find the file free at once.
    /// </summary>
    private static async Task Unlocked(string file)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                return;
            }
            catch (IOException)
            {
                await Task.Delay(50);
            }
        }
    }

    private LocalImageStore Store(params RegistryMirror[] mirrors) =>
        new(new ImageStoreOptions { Root = _scratch["store"], Mirrors = mirrors, RequestTimeout = TimeSpan.FromSeconds(10), Platform = Amd64 });

    private sealed class Inline(Action<PullProgress> report) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => report(value);
    }
}
