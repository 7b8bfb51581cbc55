using System.Text.Json.Nodes;
using Berth.Linux;

namespace Berth.Images.Tests;

public sealed class LocalImageStoreTests : IDisposable
{
    private const UnixFileMode Mode0750 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private const UnixFileMode Mode0711 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly TempDirectory _scratch = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly LocalImageStore _store;

    public LocalImageStoreTests() => _store = new LocalImageStore(_scratch["store"]);

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _store.Dispose();
        _timeout.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Import_preserves_owners_modes_symlinks_hard_links_and_fifos()
    {
        Host.RequireRoot();
        var source = await TreeAsync("source");
        File.SetUnixFileMode(source, Mode0711);
        File.WriteAllText(Path.Combine(source, "owned"), "uid");
        await Host.RunAsync("chown", "1234:2345", Path.Combine(source, "owned"));

        var image = await _store.ImportAsync(source, ImageReference.Parse("tree:v1"), Ct);

        var rootfs = Assert.Single(image.Layers);
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(rootfs, "etc/greeting")));
        Assert.Equal(Mode0640, File.GetUnixFileMode(Path.Combine(rootfs, "etc/greeting")));
        Assert.Equal(Mode0711, File.GetUnixFileMode(rootfs));
        Assert.Equal("greeting", new FileInfo(Path.Combine(rootfs, "etc/link")).LinkTarget);
        Assert.Equal(_scratch["sentinel"], new DirectoryInfo(Path.Combine(rootfs, "escape")).LinkTarget);
        Assert.Equal(
            await Host.StatAsync("%i", Path.Combine(rootfs, "data/a")),
            await Host.StatAsync("%i", Path.Combine(rootfs, "data/b")));
        Assert.Equal("2", await Host.StatAsync("%h", Path.Combine(rootfs, "data/a")));
        Assert.Equal("1234:2345", await Host.StatAsync("%u:%g", Path.Combine(rootfs, "owned")));
        Assert.Equal("fifo", await Host.StatAsync("%F", Path.Combine(rootfs, "pipe")));
        Assert.Equal(Mode0750, File.GetUnixFileMode(Path.Combine(rootfs, "private")));

        // The runtime's overlay lowerdir: one layer, reached through its short link.
        Assert.Equal(image.OverlayLowerDir, image.RootfsPath);
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(image.OverlayLowerDir, "etc/greeting")));
    }

    [Fact]
    public async Task Import_stores_a_one_layer_oci_image_in_the_documented_layout()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("tree"), Ct);

        Assert.Matches("^[0-9a-f]{64}$", image.Id);
        Assert.Equal("tree:latest", image.Reference.ToString());
        Assert.InRange(image.Created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.Empty(image.Config.Entrypoint);
        Assert.Empty(image.Config.Cmd);
        Assert.Equal("", image.Config.User);
        var layer = Assert.Single(image.Layers);
        Assert.StartsWith(Path.Combine(_store.Root, "layers") + "/", layer, StringComparison.Ordinal);
        Assert.EndsWith("/diff", layer, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_store.Root, "l", Path.GetFileName(Path.GetDirectoryName(layer))![..20]), image.OverlayLowerDir);
        Assert.True(File.Exists(Path.Combine(_store.Root, "blobs", "sha256", image.Id)), "the config is a blob named by the image id");
        Assert.True(File.Exists(Path.Combine(_store.Root, "blobs", "sha256", image.ManifestDigest!.Encoded)));

        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_store.Root, "index.json")))!;
        Assert.Equal(image.ManifestDigest.ToString(), (string?)index["references"]!["tree:latest"]!["manifest"]);
        Assert.Equal(image.Id, (string?)index["references"]!["tree:latest"]!["id"]);

        // Owner-only: setuid binaries inside images must not be reachable by other host users.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_store.Root));
        Assert.Equal(["blobs", "images", "index.json", "ingest", "l", "layers"], Directory.EnumerateFileSystemEntries(_store.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Size_counts_regular_files_once_and_never_follows_symlinks()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("tree"), Ct);

        // "hello\n" plus one 100-byte file with two names; not the sentinel's megabyte behind the
        // absolute symlink, not the fifo, not the directories.
        Assert.Equal(6 + 100, image.Size);
        Assert.Equal(image.Size, _store.Find("tree")!.Size);
    }

    [Fact]
    public async Task Importing_the_same_tree_twice_stores_its_layer_once()
    {
        var source = await TreeAsync("source");

        var first = await _store.ImportAsync(source, ImageReference.Parse("one"), Ct);
        var second = await _store.ImportAsync(source, ImageReference.Parse("two"), Ct);

        Assert.Equal(first.Layers, second.Layers);
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(_store.Root, "layers")));
    }

    [Fact]
    public async Task List_and_Find_by_name_tag_digest_and_id()
    {
        var source = await TreeAsync("source");
        var app = await _store.ImportAsync(source, ImageReference.Parse("app"), Ct);
        File.WriteAllText(Path.Combine(source, "other"), "x");
        var tagged = await _store.ImportAsync(source, ImageReference.Parse("localhost:5000/team/app:v1"), Ct);

        Assert.Equal(["app:latest", "localhost:5000/team/app:v1"], _store.List().Select(image => image.Reference.ToString()));
        Assert.Equal([app.Id, tagged.Id], _store.List().Select(image => image.Id));

        Assert.Equal(app.Id, _store.Find("app")!.Id);
        Assert.Equal(app.Id, _store.Find("app:latest")!.Id);
        Assert.Equal(app.Id, _store.Find("docker.io/library/app:latest")!.Id);
        Assert.Equal(app.Id, _store.Find($"app@{app.ManifestDigest}")!.Id);
        Assert.Equal($"app@{app.ManifestDigest}", app.RepoDigest);
        Assert.Equal(tagged.Id, _store.Find("localhost:5000/team/app:v1")!.Id);
        Assert.Equal(tagged.Id, _store.Find(tagged.Id)!.Id);
        Assert.Equal(tagged.Id, _store.Find("sha256:" + tagged.Id)!.Id);
        Assert.Equal(tagged.Id, _store.Find(UniquePrefix(tagged.Id, app.Id))!.Id);

        Assert.Null(_store.Find("app:v2"));
        Assert.Null(_store.Find($"other@{app.ManifestDigest}"));
        Assert.Null(_store.Find("localhost:5000/team/app"));
        Assert.Null(_store.Find(new string('0', 64)));
        Assert.Contains("\"App\"", Assert.Throws<FormatException>(() => _store.Find("App")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_prefers_a_name_to_an_id_prefix()
    {
        var source = await TreeAsync("source");
        var image = await _store.ImportAsync(source, ImageReference.Parse("app"), Ct);
        File.WriteAllText(Path.Combine(source, "other"), "x");
        var prefix = image.Id[..6];
        var named = await _store.ImportAsync(source, ImageReference.Parse(prefix), Ct);

        Assert.Equal(named.Id, _store.Find(prefix)!.Id);
        Assert.Equal(image.Id, _store.Find("sha256:" + prefix)!.Id);
        Assert.Null(_store.Find(image.Id[..3]));
    }

    [Fact]
    public async Task Reimporting_a_name_moves_the_tag_and_removes_the_old_image_and_its_layer()
    {
        var first = await TreeAsync("v1");
        var old = await _store.ImportAsync(first, ImageReference.Parse("app:v1"), Ct);
        File.WriteAllText(Path.Combine(first, "v2"), "v2");
        var other = await _store.ImportAsync(first, ImageReference.Parse("app:v2"), Ct);
        var source = await TreeAsync("v1-fixed");
        File.WriteAllText(Path.Combine(source, "fix"), "fixed");

        var replacement = await _store.ImportAsync(source, ImageReference.Parse("app:v1"), Ct);

        Assert.NotEqual(old.Id, replacement.Id);
        Assert.False(Directory.Exists(old.Layers[0]));
        Assert.False(File.Exists(Path.Combine(_store.Root, "blobs", "sha256", old.Id)));
        Assert.True(File.Exists(Path.Combine(_store.Find("app:v1")!.RootfsPath, "fix")));
        Assert.Equal(other.Id, _store.Find("app:v2")!.Id);
        Assert.Equal(["app:v1", "app:v2"], _store.List().Select(image => image.Reference.ToString()));
        Assert.Null(_store.Find(old.Id));
    }

    [Fact]
    public async Task Remove_deletes_the_name_and_unreferenced_content_but_not_what_symlinks_point_at()
    {
        var source = await TreeAsync("source");
        var app = await _store.ImportAsync(source, ImageReference.Parse("app"), Ct);
        var kept = await _store.ImportAsync(source, ImageReference.Parse("kept"), Ct);
        File.WriteAllText(Path.Combine(source, "other"), "x");
        var byId = await _store.ImportAsync(source, ImageReference.Parse("by-id"), Ct);

        await _store.RemoveAsync("app", Ct);
        await _store.RemoveAsync(UniquePrefix(byId.Id, kept.Id), Ct);

        Assert.Null(_store.Find("app"));
        Assert.Null(_store.Find("by-id"));
        Assert.Equal([kept.Id], _store.List().Select(i => i.Id));
        Assert.True(Directory.Exists(kept.Layers[0]), "app shared its layer with kept");
        Assert.False(Directory.Exists(byId.Layers[0]));
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_store.Root, "index.json")))!["references"]!.AsObject();
        Assert.Equal(["kept:latest"], index.Select(entry => entry.Key));
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(_store.Root, "blobs", "sha256")).Count());
        Assert.True(File.Exists(_scratch["sentinel/big"]));
    }

    [Fact]
    public async Task Removing_an_unknown_image_names_it()
    {
        await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("app"), Ct);

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.RemoveAsync("nothere:v9", Ct));
        Assert.Contains("\"nothere:v9\"", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.RemoveAsync("abcdef", Ct));
        Assert.Single(_store.List());
    }

    [Fact]
    public async Task A_failed_import_says_what_failed_and_leaves_nothing_behind()
    {
        var missing = _scratch["no-such-dir"];

        var error = await Assert.ThrowsAsync<CommandException>(() => _store.ImportAsync(missing, ImageReference.Parse("app"), Ct));

        Assert.StartsWith("tar --create", error.Outcome.Command, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_store.Root, "*", SearchOption.AllDirectories));
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task A_cancelled_import_leaves_nothing_behind()
    {
        var source = await TreeAsync("source");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ImportAsync(source, ImageReference.Parse("app"), cancelled.Token));

        Assert.Empty(Directory.EnumerateFiles(_store.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_imports_all_reach_the_index()
    {
        var source = await TreeAsync("source");

        var images = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _store.ImportAsync(source, ImageReference.Parse($"app:v{i}"), Ct)));

        Assert.Equal(images.Select(image => image.Reference.ToString()).Order(StringComparer.Ordinal), _store.List().Select(image => image.Reference.ToString()));
        Assert.All(_store.List(), image => Assert.True(Directory.Exists(image.Layers[0])));
    }

    [Fact]
    public async Task Startup_cleanup_removes_crash_leftovers_and_keeps_images_and_partial_downloads()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("app"), Ct);
        Directory.CreateDirectory(Path.Combine(_store.Root, "layers", ".unpack-" + Guid.NewGuid().ToString("N"), "diff"));
        Directory.CreateDirectory(Path.Combine(_store.Root, "trash", Guid.NewGuid().ToString("N")));
        File.WriteAllText(Path.Combine(_store.Root, "ingest", ".tmp-0123"), "half");
        var partial = Path.Combine(_store.Root, "ingest", "sha256-" + new string('a', 64) + ".partial");
        File.WriteAllText(partial, "resume me");
        File.WriteAllText(Path.Combine(_store.Root, ".index.json.0123.tmp"), "{");

        await _store.CollectGarbageAsync(Ct);

        Assert.Equal([Path.GetFileName(partial)], Directory.EnumerateFileSystemEntries(Path.Combine(_store.Root, "ingest")).Select(Path.GetFileName));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(_store.Root, "layers")));
        Assert.False(Directory.Exists(Path.Combine(_store.Root, "trash")));
        Assert.False(File.Exists(Path.Combine(_store.Root, ".index.json.0123.tmp")));
        Assert.Equal([image.Id], _store.List().Select(i => i.Id));
    }

    [Fact]
    public async Task A_store_that_was_never_written_is_empty()
    {
        Assert.Empty(_store.List());
        Assert.Null(_store.Find("app"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.RemoveAsync("app", Ct));
        await _store.CollectGarbageAsync(Ct);
        Assert.False(Directory.Exists(_store.Root));
    }

    [Fact]
    public async Task A_corrupt_index_is_reported_with_its_path()
    {
        var source = await TreeAsync("source");
        Directory.CreateDirectory(_store.Root);
        File.WriteAllText(Path.Combine(_store.Root, "index.json"), "{\"references\": {\"Bad\": \"x\"}}");

        Assert.Contains(Path.Combine(_store.Root, "index.json"), Assert.Throws<InvalidDataException>(() => _store.List()).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => _store.ImportAsync(source, ImageReference.Parse("app"), Ct));
    }

    [Fact]
    public async Task Mark_used_records_the_time_for_gc_ordering()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("app"), Ct);
        Assert.Null(image.LastUsed);

        await _store.MarkUsedAsync(image.Id, Ct);

        Assert.InRange(_store.Find("app")!.LastUsed!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// A small tree: a 0640 file, a relative symlink, an absolute symlink to a directory outside
    /// holding a megabyte, a hard-linked pair, a fifo and a 0750 directory.
    /// </summary>
    private async Task<string> TreeAsync(string name)
    {
        var sentinel = _scratch["sentinel"];
        Directory.CreateDirectory(sentinel);
        File.WriteAllBytes(Path.Combine(sentinel, "big"), new byte[1 << 20]);

        var root = _scratch[name];
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc/greeting"), "hello\n");
        File.SetUnixFileMode(Path.Combine(root, "etc/greeting"), Mode0640);
        File.CreateSymbolicLink(Path.Combine(root, "etc/link"), "greeting");
        Directory.CreateSymbolicLink(Path.Combine(root, "escape"), sentinel);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllBytes(Path.Combine(root, "data/a"), new byte[100]);
        await Host.RunAsync("ln", Path.Combine(root, "data/a"), Path.Combine(root, "data/b"));
        await Host.RunAsync("mkfifo", Path.Combine(root, "pipe"));
        Directory.CreateDirectory(Path.Combine(root, "private"), Mode0750);
        File.SetUnixFileMode(Path.Combine(root, "private"), Mode0750);
        return root;
    }

    private static string UniquePrefix(string id, string other)
    {
        var length = ImageId.MinPrefixLength;
        while (other.StartsWith(id[..length], StringComparison.Ordinal))
        {
            length++;
        }

        return id[..length];
    }
}
