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

    private readonly Scratch _scratch = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private readonly LocalImageStore _store;

    public LocalImageStoreTests() => _store = new LocalImageStore(_scratch["store"]);

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
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

        var rootfs = image.RootfsPath;
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
        Assert.True(Directory.Exists(Path.Combine(rootfs, "private")));
        Assert.Equal(Mode0750, File.GetUnixFileMode(Path.Combine(rootfs, "private")));
    }

    [Fact]
    public async Task Import_writes_the_documented_layout()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("tree"), Ct);

        Assert.Matches("^[0-9a-f]{64}$", image.Id);
        Assert.Equal(Path.Combine(_store.Root, image.Id, "rootfs"), image.RootfsPath);
        Assert.Equal("tree:latest", image.Reference.ToString());
        Assert.InRange(image.Created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);

        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(_store.Root, image.Id, "image.json")))!.AsObject();
        Assert.Equal(["id", "name", "tag", "reference", "created", "size"], document.Select(property => property.Key));
        Assert.Equal(image.Id, (string?)document["id"]);
        Assert.Equal("tree", (string?)document["name"]);
        Assert.Equal("latest", (string?)document["tag"]);
        Assert.Equal("tree:latest", (string?)document["reference"]);
        Assert.Equal(image.Size, (long?)document["size"]);

        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_store.Root, "index.json")))!;
        Assert.Equal(image.Id, (string?)index["references"]!["tree:latest"]);

        // Owner-only: setuid binaries inside images must not be reachable by other host users.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_store.Root));
        Assert.Equal([image.Id, "index.json"], Directory.EnumerateFileSystemEntries(_store.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
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
    public async Task List_and_Find_by_name_tag_and_id()
    {
        var source = await TreeAsync("source");
        var app = await _store.ImportAsync(source, ImageReference.Parse("app"), Ct);
        var tagged = await _store.ImportAsync(source, ImageReference.Parse("localhost:5000/team/app:v1"), Ct);

        Assert.Equal(["app:latest", "localhost:5000/team/app:v1"], _store.List().Select(image => image.Reference.ToString()));
        Assert.Equal([app.Id, tagged.Id], _store.List().Select(image => image.Id));

        Assert.Equal(app, _store.Find("app"));
        Assert.Equal(app, _store.Find("app:latest"));
        Assert.Equal(app, _store.Find("docker.io/library/app:latest"));
        Assert.Equal(tagged, _store.Find("localhost:5000/team/app:v1"));
        Assert.Equal(tagged, _store.Find(tagged.Id));
        Assert.Equal(tagged, _store.Find("sha256:" + tagged.Id));
        Assert.Equal(tagged.Id, _store.Find(UniquePrefix(tagged.Id, app.Id))!.Id);

        Assert.Null(_store.Find("app:v2"));
        Assert.Null(_store.Find("localhost:5000/team/app"));
        Assert.Null(_store.Find("other"));
        Assert.Null(_store.Find(new string('0', 64)));
        Assert.Contains("\"App\"", Assert.Throws<FormatException>(() => _store.Find("App")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Find_prefers_a_name_to_an_id_prefix_and_refuses_an_ambiguous_prefix()
    {
        // Written by hand: random ids never share a chosen prefix.
        var first = "beef" + new string('1', 60);
        var second = "beef" + new string('2', 60);
        var named = "cafe" + new string('3', 60);
        WriteImage(first, "one");
        WriteImage(second, "two");
        WriteImage(named, "beef");
        File.WriteAllText(Path.Combine(_store.Root, "index.json"), $$"""
            {"references": {"one:latest": "{{first}}", "two:latest": "{{second}}", "beef:latest": "{{named}}" } }
            """);

        Assert.Equal(named, _store.Find("beef")!.Id);
        var error = Assert.Throws<ArgumentException>(() => _store.Find("sha256:beef"));
        Assert.Contains("matches 2 images", error.Message, StringComparison.Ordinal);
        Assert.Equal(first, _store.Find("beef1")!.Id);
        Assert.Equal("two:latest", _store.Find("beef2")!.Reference.ToString());
        Assert.Null(_store.Find("bee"));

        await Assert.ThrowsAsync<ArgumentException>(() => _store.RemoveAsync("sha256:beef", Ct));
        Assert.Equal(3, _store.List().Count);
    }

    [Fact]
    public async Task Reimporting_a_name_moves_the_tag_and_removes_the_old_image()
    {
        var first = await TreeAsync("v1");
        var old = await _store.ImportAsync(first, ImageReference.Parse("app:v1"), Ct);
        var other = await _store.ImportAsync(first, ImageReference.Parse("app:v2"), Ct);
        var source = await TreeAsync("v1-fixed");
        File.WriteAllText(Path.Combine(source, "fix"), "fixed");

        var replacement = await _store.ImportAsync(source, ImageReference.Parse("app:v1"), Ct);

        Assert.NotEqual(old.Id, replacement.Id);
        Assert.False(Directory.Exists(Path.Combine(_store.Root, old.Id)));
        Assert.Equal(replacement, _store.Find("app:v1"));
        Assert.True(File.Exists(Path.Combine(_store.Find("app:v1")!.RootfsPath, "fix")));
        Assert.Equal(other, _store.Find("app:v2"));
        Assert.Equal(["app:v1", "app:v2"], _store.List().Select(image => image.Reference.ToString()));
        Assert.Null(_store.Find(old.Id));
    }

    [Fact]
    public async Task Remove_deletes_the_directory_and_the_index_entry_but_not_what_symlinks_point_at()
    {
        var source = await TreeAsync("source");
        var app = await _store.ImportAsync(source, ImageReference.Parse("app"), Ct);
        var kept = await _store.ImportAsync(source, ImageReference.Parse("kept"), Ct);
        var byId = await _store.ImportAsync(source, ImageReference.Parse("by-id"), Ct);

        await _store.RemoveAsync("app", Ct);
        await _store.RemoveAsync(UniquePrefix(byId.Id, kept.Id), Ct);

        Assert.False(Directory.Exists(Path.Combine(_store.Root, app.Id)));
        Assert.False(Directory.Exists(Path.Combine(_store.Root, byId.Id)));
        Assert.Null(_store.Find("app"));
        Assert.Null(_store.Find("by-id"));
        Assert.Equal([kept], _store.List());
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_store.Root, "index.json")))!["references"]!.AsObject();
        Assert.Equal(["kept:latest"], index.Select(entry => entry.Key));
        Assert.Equal([kept.Id, "index.json"], Directory.EnumerateFileSystemEntries(_store.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
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

        Assert.StartsWith("cp -a -- " + missing + "/.", error.Result.Command, StringComparison.Ordinal);
        Assert.NotEqual(0, error.Result.ExitCode);
        Assert.Contains("No such file or directory", error.Result.Stderr, StringComparison.Ordinal);
        Assert.Contains(error.Result.Stderr.Trim(), error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_store.Root));
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task A_cancelled_import_leaves_nothing_behind()
    {
        var source = await TreeAsync("source");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ImportAsync(source, ImageReference.Parse("app"), cancelled.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_store.Root));
    }

    [Fact]
    public async Task Concurrent_imports_all_reach_the_index()
    {
        var source = await TreeAsync("source");

        var images = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _store.ImportAsync(source, ImageReference.Parse($"app:v{i}"), Ct)));

        Assert.Equal(images.Select(image => image.Id).Order(StringComparer.Ordinal), _store.List().Select(image => image.Id).Order(StringComparer.Ordinal));
        Assert.Equal(8, Directory.EnumerateDirectories(_store.Root).Count());
    }

    [Fact]
    public async Task Garbage_collection_removes_crash_leftovers_and_keeps_images()
    {
        var image = await _store.ImportAsync(await TreeAsync("source"), ImageReference.Parse("app"), Ct);
        Directory.CreateDirectory(Path.Combine(_store.Root, ".import-" + new string('a', 64), "rootfs"));
        Directory.CreateDirectory(Path.Combine(_store.Root, ".remove-" + Guid.NewGuid().ToString("N"), "rootfs"));
        WriteImage(new string('b', 64), "never-indexed");
        File.WriteAllText(Path.Combine(_store.Root, ".index.json.0123.tmp"), "{");
        File.WriteAllText(Path.Combine(_store.Root, "unrelated"), "not the store's");

        await _store.CollectGarbageAsync(Ct);

        Assert.Equal([image.Id, "index.json", "unrelated"], Directory.EnumerateFileSystemEntries(_store.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([image], _store.List());
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
        Assert.Equal(["index.json"], Directory.EnumerateFileSystemEntries(_store.Root).Select(Path.GetFileName));
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

    /// <summary>An image directory as another process would have written it.</summary>
    private void WriteImage(string id, string name)
    {
        Directory.CreateDirectory(Path.Combine(_store.Root, id, "rootfs"));
        File.WriteAllText(Path.Combine(_store.Root, id, "image.json"), $$"""
            {"id": "{{id}}", "name": "{{name}}", "tag": "latest", "reference": "{{name}}:latest", "created": "2025-01-02T03:04:05+00:00", "size": 0}
            """);
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
