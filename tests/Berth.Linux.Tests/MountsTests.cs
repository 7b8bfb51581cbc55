namespace Berth.Linux.Tests;

public sealed class MountsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public void Overlay_writes_go_to_upper_and_unmount_removes_the_mount()
    {
        Host.RequireRoot();
        var lower = temp.CreateDirectory("lower");
        var upper = temp.CreateDirectory("upper");
        var work = temp.CreateDirectory("work");
        var merged = temp.CreateDirectory("merged");
        File.WriteAllText(Path.Join(lower, "base.txt"), "from lower");

        Mounts.MountOverlay(lower, upper, work, merged);
        try
        {
            Assert.True(Mounts.IsMountPoint(merged));
            Assert.Equal("from lower", File.ReadAllText(Path.Join(merged, "base.txt")));
            File.WriteAllText(Path.Join(merged, "new.txt"), "through overlay");
            Assert.Equal("through overlay", File.ReadAllText(Path.Join(upper, "new.txt")));
            Assert.False(File.Exists(Path.Join(lower, "new.txt")));
        }
        finally
        {
            Mounts.Unmount(merged);
        }

        Assert.False(Mounts.IsMountPoint(merged));
        Assert.False(File.Exists(Path.Join(merged, "new.txt")));
        Mounts.Unmount(merged);
    }

    [Fact]
    public void Overlay_takes_a_colon_joined_lower_list_topmost_first()
    {
        Host.RequireRoot();
        var top = temp.CreateDirectory("top");
        var bottom = temp.CreateDirectory("bottom");
        var merged = temp.CreateDirectory("merged");
        File.WriteAllText(Path.Join(top, "shadowed.txt"), "top");
        File.WriteAllText(Path.Join(bottom, "shadowed.txt"), "bottom");
        File.WriteAllText(Path.Join(bottom, "only-bottom.txt"), "bottom");

        Mounts.MountOverlay($"{top}:{bottom}", temp.CreateDirectory("upper"), temp.CreateDirectory("work"), merged);
        try
        {
            Assert.Equal("top", File.ReadAllText(Path.Join(merged, "shadowed.txt")));
            Assert.Equal("bottom", File.ReadAllText(Path.Join(merged, "only-bottom.txt")));
        }
        finally
        {
            Mounts.Unmount(merged, detach: false);
        }
    }

    [Fact]
    public void Overlay_failure_carries_the_errno_text()
    {
        Host.RequireRoot();

        var error = Assert.Throws<IOException>(() =>
            Mounts.MountOverlay(temp.Combine("missing"), temp.CreateDirectory("upper"), temp.CreateDirectory("work"), temp.CreateDirectory("merged")));

        Assert.Contains("No such file or directory", error.Message, StringComparison.Ordinal);
        Assert.Contains(temp.Combine("merged"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlay_refuses_a_comma_in_a_path() =>
        Assert.Throws<ArgumentException>(() => Mounts.MountOverlay("/a,b", "/u", "/w", "/t"));

    [Fact]
    public void Read_only_bind_mount_refuses_writes()
    {
        Host.RequireRoot();
        var source = temp.CreateDirectory("source");
        var target = temp.CreateDirectory("target with space");
        File.WriteAllText(Path.Join(source, "data"), "shared");

        Mounts.BindMount(source, target, readOnly: true);
        try
        {
            Assert.True(Mounts.IsMountPoint(target));
            Assert.Equal("shared", File.ReadAllText(Path.Join(target, "data")));
            var error = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Join(target, "new"), "x"));
            Assert.Contains("Read-only", error.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Join(source, "new"), "the source stays writable");
        }
        finally
        {
            Mounts.Unmount(target);
        }

        Assert.False(Mounts.IsMountPoint(target));
    }

    [Fact]
    public void Writable_bind_mount_writes_through_to_the_source()
    {
        Host.RequireRoot();
        var source = temp.CreateDirectory("source");
        var target = temp.CreateDirectory("target");

        Mounts.BindMount(source, target, readOnly: false);
        try
        {
            File.WriteAllText(Path.Join(target, "new"), "through bind");
        }
        finally
        {
            Mounts.Unmount(target);
        }

        Assert.Equal("through bind", File.ReadAllText(Path.Join(source, "new")));
    }

    [Fact]
    public void Unmounting_something_not_mounted_is_fine()
    {
        Mounts.Unmount(temp.Path);
        Mounts.Unmount(temp.Combine("does-not-exist"), detach: false);
    }

    [Fact]
    public void IsMountPoint_knows_proc_and_plain_directories()
    {
        Assert.True(Mounts.IsMountPoint("/proc"));
        Assert.True(Mounts.IsMountPoint("/proc/"));
        Assert.True(Mounts.IsMountPoint("/"));
        Assert.False(Mounts.IsMountPoint(temp.Path));
        Assert.False(Mounts.IsMountPoint(temp.Combine("does-not-exist")));
    }

    public void Dispose() => temp.Dispose();
}
