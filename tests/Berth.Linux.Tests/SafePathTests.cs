using System.Diagnostics;
using System.Net.Sockets;

namespace Berth.Linux.Tests;

/// <summary>
/// The subPath resolver on the real kernel, without pods. Every case runs through openat2 and
/// through the O_NOFOLLOW walk that replaces it where openat2 is missing: both must agree.
/// </summary>
public sealed class SafePathTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly string root;
    private readonly string outside;

    public SafePathTests()
    {
        root = temp.CreateDirectory("volume");
        outside = temp.CreateDirectory("outside");
        File.WriteAllText(Path.Join(outside, "secret"), "host secret");
        Directory.CreateDirectory(Path.Join(root, "real", "sub"));
        File.WriteAllText(Path.Join(root, "real", "file"), "inside");
    }

    [Fact]
    public void Openat2_is_what_resolves_paths_on_this_kernel() =>
        Assert.True(SafePath.Openat2Available, "openat2 with RESOLVE_BENEATH (Linux 5.6+) should be available on this host");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Plain_directories_and_files_resolve_to_themselves(bool openat2)
    {
        AssertResolvesTo("real", Path.Join(root, "real"), openat2);
        AssertResolvesTo("real/sub", Path.Join(root, "real", "sub"), openat2);
        AssertResolvesTo("./real//file", Path.Join(root, "real", "file"), openat2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Symlinks_that_stay_inside_are_followed(bool openat2)
    {
        Link("rel", "real");
        Link("real/sub/up", "../file"); // ".." that stays inside
        Link("chain", "rel/sub/up");
        Link("dotted", "./real/./sub/../sub");

        AssertResolvesTo("rel", Path.Join(root, "real"), openat2);
        AssertResolvesTo("rel/file", Path.Join(root, "real", "file"), openat2);
        AssertResolvesTo("real/sub/up", Path.Join(root, "real", "file"), openat2);
        AssertResolvesTo("chain", Path.Join(root, "real", "file"), openat2);
        AssertResolvesTo("dotted", Path.Join(root, "real", "sub"), openat2);
    }

    [Theory]
    [InlineData(true, "/")]
    [InlineData(false, "/")]
    [InlineData(true, "ABSOLUTE-INSIDE")]
    [InlineData(false, "ABSOLUTE-INSIDE")]
    public void Absolute_symlinks_are_refused_even_to_inside(bool openat2, string target)
    {
        // Inside a container "/" is the container's root, not the host's: an absolute link has no
        // meaning that is safe to follow, even one whose host path lies in the volume.
        Link("abs", target == "ABSOLUTE-INSIDE" ? Path.Join(root, "real") : target);

        AssertFails(BeneathFailure.Escapes, "abs", openat2);
        AssertFails(BeneathFailure.Escapes, "abs/etc", openat2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Dot_dot_symlinks_that_climb_out_are_refused(bool openat2)
    {
        Link("up", "..");
        Link("real/sub/way-up", "../../../outside");
        Link("real/sneaky", "sub/../../../outside/secret");

        AssertFails(BeneathFailure.Escapes, "up", openat2);
        AssertFails(BeneathFailure.Escapes, "up/outside/secret", openat2);
        AssertFails(BeneathFailure.Escapes, "real/sub/way-up", openat2);
        AssertFails(BeneathFailure.Escapes, "real/sneaky", openat2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Symlink_loops_end_as_too_many_links(bool openat2)
    {
        Link("loop-a", "loop-b");
        Link("loop-b", "loop-a");
        Link("self", "self/x");

        AssertFails(BeneathFailure.TooManyLinks, "loop-a", openat2);
        AssertFails(BeneathFailure.TooManyLinks, "self", openat2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Deep_paths_resolve_through_links_at_any_depth(bool openat2)
    {
        var deep = string.Join('/', Enumerable.Range(0, 60).Select(i => $"d{i}"));
        Directory.CreateDirectory(Path.Join(root, deep));
        Link("d0/d1/d2/shortcut", "d3/d4/d5");
        Link($"{deep}/back", string.Join('/', Enumerable.Repeat("..", 60)) + "/real");
        Link($"{deep}/too-far", string.Join('/', Enumerable.Repeat("..", 61)) + "/volume/real");

        AssertResolvesTo(deep, Path.Join(root, deep), openat2);
        AssertResolvesTo("d0/d1/d2/shortcut/d6", Path.Join(root, "d0/d1/d2/d3/d4/d5/d6"), openat2);
        AssertResolvesTo($"{deep}/back/file", Path.Join(root, "real", "file"), openat2);
        AssertFails(BeneathFailure.Escapes, $"{deep}/too-far", openat2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_file_in_the_middle_is_not_a_directory(bool openat2) =>
        AssertFails(BeneathFailure.NotDirectory, "real/file/below", openat2);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Missing_directories_are_created_inside_with_the_volume_mode(bool openat2)
    {
        File.SetUnixFileMode(root, (UnixFileMode)0x1FF); // 0777, as an emptyDir
        Link("rel", "real");

        AssertFails(BeneathFailure.Missing, "new", openat2, createMissing: false);
        Assert.False(Directory.Exists(Path.Join(root, "new")));

        AssertResolvesTo("a/b/c", Path.Join(root, "a", "b", "c"), openat2, createMissing: true);
        AssertResolvesTo("rel/made/through/a/link", Path.Join(root, "real", "made", "through", "a", "link"), openat2, createMissing: true);
        Assert.Equal((UnixFileMode)0x1FF, File.GetUnixFileMode(Path.Join(root, "a", "b", "c")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Creation_never_happens_outside(bool openat2)
    {
        Link("out", outside);
        Link("up", "../outside");

        AssertFails(BeneathFailure.Escapes, "out/created", openat2, createMissing: true);
        AssertFails(BeneathFailure.Escapes, "up/created", openat2, createMissing: true);
        Assert.False(Directory.Exists(Path.Join(outside, "created")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_fifo_opens_without_blocking_and_says_what_it_is(bool openat2)
    {
        Assert.Equal(0, MkFifo(Path.Join(root, "fifo")));

        // A plain open of a FIFO with no writer blocks forever: bound the test instead of hanging.
        var type = await Task.Run(() =>
        {
            using var handle = SafePath.OpenBeneath(root, "fifo", createMissing: true, openat2);
            return handle.Node.Type;
        }).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(UnixFileType.Fifo, type);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_socket_opens_and_says_what_it_is(bool openat2)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Join(root, "sock")));

        using var handle = SafePath.OpenBeneath(root, "sock", createMissing: true, openat2);

        Assert.Equal(UnixFileType.Socket, handle.Node.Type);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_mount_gets_what_was_opened_even_after_a_swap(bool openat2)
    {
        Host.RequireRoot();
        var target = temp.Combine("targets", "0");
        using (var handle = SafePath.OpenBeneath(root, "real", createMissing: false, openat2))
        {
            // Between the check and the mount, the pod swaps the directory for a link to the host.
            Directory.Move(Path.Join(root, "real"), Path.Join(root, "moved"));
            Link("real", outside);
            SafePath.BindMount(handle, target);
        }

        try
        {
            Assert.Equal("inside", File.ReadAllText(Path.Join(target, "file")));
            Assert.False(File.Exists(Path.Join(target, "secret")));
        }
        finally
        {
            Mounts.Unmount(target);
        }
    }

    [Fact]
    public void A_file_binds_onto_a_file_target()
    {
        Host.RequireRoot();
        var target = temp.Combine("targets", "1");
        using (var handle = SafePath.OpenBeneath(root, "real/file", createMissing: false))
        {
            SafePath.BindMount(handle, target);
        }

        try
        {
            Assert.Equal(UnixFileType.Regular, FileNodes.LStat(target).Type);
            Assert.Equal("inside", File.ReadAllText(target));
            Assert.Contains(MountTree.Under(temp.Combine("targets")), m => m == target);
        }
        finally
        {
            MountTree.UnmountAll(temp.Combine("targets"));
        }

        Assert.Empty(MountTree.Under(temp.Combine("targets")));
    }

    public void Dispose() => temp.Dispose();

    private static int MkFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        return mkfifo.ExitCode;
    }

    private void Link(string relative, string target) => File.CreateSymbolicLink(Path.Join(root, relative), target);

    private void AssertResolvesTo(string relative, string expected, bool openat2, bool createMissing = false)
    {
        using var handle = SafePath.OpenBeneath(root, relative, createMissing, openat2);
        Assert.Equal(FileNodes.Stat(expected).Inode, handle.Node.Inode);
    }

    private void AssertFails(BeneathFailure failure, string relative, bool openat2, bool createMissing = false)
    {
        var error = Assert.Throws<BeneathException>(() => SafePath.OpenBeneath(root, relative, createMissing, openat2).Dispose());
        Assert.Equal(failure, error.Failure);
    }
}
