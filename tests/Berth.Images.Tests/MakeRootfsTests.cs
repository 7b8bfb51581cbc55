namespace Berth.Images.Tests;

public sealed class MakeRootfsTests : IDisposable
{
    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Make_rootfs_builds_a_root_that_runs_before_and_after_import()
    {
        Host.RequireRoot();
        var script = Path.Combine(Host.RepositoryRoot(), "scripts", "make-rootfs");
        var rootfs = _scratch["rootfs"];

        await Host.RunAsync(script, rootfs, "--with", "/usr/sbin/runc");
        await Host.RunAsync(script, rootfs, "--with", "/usr/sbin/runc"); // idempotent

        Assert.Equal("hello\n", await Host.RunAsync("chroot", rootfs, "/bin/sh", "-c", "echo hello"));
        Assert.StartsWith("runc version", await Host.RunAsync("chroot", rootfs, "/usr/sbin/runc", "--version"), StringComparison.Ordinal);
        Assert.Equal("root:x:0:0", (await Host.RunAsync("chroot", rootfs, "/bin/sh", "-c", "head -n1 /etc/passwd | cut -d: -f1-4")).TrimEnd());
        Assert.Equal("1777", await Host.StatAsync("%a", Path.Combine(rootfs, "tmp")));

        // Dynamic busybox: an applet is a separate process, as tests that look at processes expect.
        Assert.Contains("/usr/bin/busybox", await Host.RunAsync("chroot", rootfs, "/bin/sh", "-c", "readlink /bin/sleep"), StringComparison.Ordinal);
        Assert.Contains("libc.so.6", await Host.RunAsync("ldd", Path.Combine(rootfs, "usr/bin/busybox")), StringComparison.Ordinal);

        var store = new LocalImageStore(_scratch["store"]);
        var image = await store.ImportAsync(rootfs, ImageReference.Parse("busybox"), CancellationToken.None);
        Assert.Equal("hello\n", await Host.RunAsync("chroot", image.RootfsPath, "/bin/sh", "-c", "echo hello"));
    }
}
