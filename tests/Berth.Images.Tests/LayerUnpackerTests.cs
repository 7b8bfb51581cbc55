using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests;

public sealed class LayerUnpackerTests : IDisposable
{
    private readonly TempDirectory _scratch = new();

    public LayerUnpackerTests()
    {
        Directory.CreateDirectory(_scratch["outside"]);
        File.WriteAllText(_scratch["outside/victim"], "untouched");
    }

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "dot-dot", "../escape", "\"..\" component" },
        { "absolute", "/abs-file", "absolute path" },
        { "absolute-symlink-then-write", "link/victim", "goes through the symlink \"link\"" },
        { "relative-symlink-up", "up/victim", "goes through the symlink \"up\"" },
        { "symlinked-parent-dir", "dir/sub/victim", "goes through the symlink \"dir/sub\"" },
        { "hard-link-outside", "hard", "outside the layer" },
        { "hard-link-absolute", "hard", "outside the layer" },
        { "hard-link-through-symlink", "hard", "not a directory of this layer" },
        { "whiteout-outside", "../.wh.victim", "\"..\" component" },
        { "whiteout-through-symlink", "link/.wh.victim", "goes through the symlink \"link\"" },
        { "opaque-through-symlink", "link/.wh..wh..opq", "goes through the symlink \"link\"" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Hostile_layers_are_rejected_naming_the_entry_and_nothing_is_written_outside(string fixture, string entry, string reason)
    {
        var outside = _scratch["outside"];
        var layer = fixture switch
        {
            "dot-dot" => new TestLayer().File("../escape", "x"),
            "absolute" => new TestLayer().File("/abs-file", "x"),
            "absolute-symlink-then-write" => new TestLayer().Symlink("link", outside).File("link/victim", "pwned"),
            "relative-symlink-up" => new TestLayer().Dir("a").Symlink("up", "../../outside").File("up/victim", "pwned"),
            "symlinked-parent-dir" => new TestLayer().Dir("dir").Symlink("dir/sub", outside).File("dir/sub/victim", "pwned"),
            "hard-link-outside" => new TestLayer().HardLink("hard", "../outside/victim"),
            "hard-link-absolute" => new TestLayer().HardLink("hard", outside + "/victim"),
            "hard-link-through-symlink" => new TestLayer().Symlink("link", outside).HardLink("hard", "link/victim"),
            "whiteout-outside" => new TestLayer().File("../.wh.victim", ""),
            "whiteout-through-symlink" => new TestLayer().Symlink("link", outside).Whiteout("link/victim"),
            "opaque-through-symlink" => new TestLayer().Symlink("link", outside).Opaque("link"),
            _ => throw new ArgumentException(fixture),
        };

        // Through the whole store, so "nothing left behind" covers staging directories too.
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [(layer, Compression.Gzip)]);
        TestLayout.Name(layout, (image, "v1"));
        using var store = new LocalImageStore(_scratch["store"]);

        var error = await Assert.ThrowsAsync<LayerRejectedException>(() => store.LoadAsync(layout, ImageReference.Parse("hostile:v1"), CancellationToken.None));

        Assert.Equal(entry, error.Entry);
        Assert.Contains($"entry \"{entry}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(["victim"], Directory.EnumerateFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("untouched", File.ReadAllText(_scratch["outside/victim"]));
        Assert.False(File.Exists(_scratch["escape"]) || File.Exists("/abs-file"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "layers")));
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task A_faithful_layer_keeps_modes_owners_links_devices_xattrs_times_and_turns_whiteouts_into_overlay_ones()
    {
        Host.RequireRoot();
        var root = _scratch["root"];
        Directory.CreateDirectory(root);
        var tar = new TestLayer()
            .Dir("bin", (UnixFileMode)0b111_101_101)
            .File("bin/tool", "#!/bin/sh\n", (UnixFileMode)0b100_111_101_101, uid: 0, gid: 0)
            .File("home/app/owned", "mine", uid: 1234, gid: 2345)
            .HardLink("bin/tool2", "bin/tool")
            .Symlink("etc/os", "/etc/os-release")
            .Fifo("run/pipe")
            .CharDevice("dev/null", 1, 3)
            .File("xattr", "x", pax: new Dictionary<string, string> { ["SCHILY.xattr.user.origin"] = "berth" })
            .Whiteout("gone")
            .Opaque("cache")
            .File("cache/fresh", "new")
            .Tar();

        await using (var stream = new MemoryStream(tar))
        {
            await LayerUnpacker.UnpackAsync(stream, root, CancellationToken.None);
        }

        Assert.Equal("4755", await Host.StatAsync("%a", Path.Combine(root, "bin/tool")));
        Assert.Equal("1234:2345", await Host.StatAsync("%u:%g", Path.Combine(root, "home/app/owned")));
        Assert.Equal(await Host.StatAsync("%i", Path.Combine(root, "bin/tool")), await Host.StatAsync("%i", Path.Combine(root, "bin/tool2")));
        Assert.Equal("/etc/os-release", new FileInfo(Path.Combine(root, "etc/os")).LinkTarget);
        Assert.Equal("fifo", await Host.StatAsync("%F", Path.Combine(root, "run/pipe")));
        Assert.Equal("character special file 1:3", await Host.StatAsync("%F %Hr:%Lr", Path.Combine(root, "dev/null")));
        Assert.Equal("berth"u8.ToArray(), FileNodes.LGetXattr(Path.Combine(root, "xattr"), "user.origin"));
        Assert.Equal("2024-05-06 07:08:09", (await Host.StatAsync("%y", Path.Combine(root, "bin"))).Split('.')[0]);
        Assert.True(FileNodes.LStat(Path.Combine(root, "gone")).IsWhiteout);
        Assert.Equal("y"u8.ToArray(), FileNodes.LGetXattr(Path.Combine(root, "cache"), FileNodes.OverlayOpaque));
        Assert.Equal("new", File.ReadAllText(Path.Combine(root, "cache/fresh")));
    }

    [Fact]
    public async Task Overlay_shows_the_layers_as_one_tree_with_whiteouts_applied()
    {
        Host.RequireRoot();
        var layout = _scratch["layout"];
        var image = TestLayout.WriteImage(layout, [
            (new TestLayer().File("keep", "lower").File("remove-me", "lower").File("cache/old", "lower"), Compression.Gzip),
            (new TestLayer().Whiteout("remove-me").Opaque("cache").File("cache/new", "upper").File("keep", "upper"), Compression.Zstd),
        ]);
        TestLayout.Name(layout, (image, "v1"));
        using var store = new LocalImageStore(_scratch["store"]);
        var loaded = Assert.Single(await store.LoadAsync(layout, ImageReference.Parse("layered:v1"), CancellationToken.None));
        var merged = _scratch["merged"];
        foreach (var dir in new[] { "upper", "work", "merged" })
        {
            Directory.CreateDirectory(_scratch[dir]);
        }

        Mounts.MountOverlay(loaded.OverlayLowerDir, _scratch["upper"], _scratch["work"], merged);
        try
        {
            Assert.Equal("upper", File.ReadAllText(Path.Combine(merged, "keep")));
            Assert.False(File.Exists(Path.Combine(merged, "remove-me")));
            Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(merged, "cache")).Select(Path.GetFileName));
        }
        finally
        {
            Mounts.Unmount(merged);
        }
    }
}
