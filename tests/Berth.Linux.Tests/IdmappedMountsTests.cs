using System.Diagnostics;
using System.Globalization;

namespace Berth.Linux.Tests;

public sealed class IdmappedMountsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    [Fact]
    public async Task A_file_owned_by_0_is_owned_by_the_namespaces_root_through_the_idmapped_mount()
    {
        Host.RequireRoot();
        var source = temp.CreateDirectory("source");
        var target = temp.CreateDirectory("target");
        File.WriteAllText(Path.Join(source, "file"), "x");
        using var holder = await UserNamespaceAsync("0 300000 65536");

        IdmappedMounts.Mount(source, target, $"/proc/{holder.Id}/ns/user");
        try
        {
            Assert.Equal(0u, FileNodes.Stat(Path.Join(source, "file")).Uid);
            Assert.Equal(300000u, FileNodes.Stat(Path.Join(target, "file")).Uid);
            Assert.Equal(300000u, FileNodes.Stat(Path.Join(target, "file")).Gid);
            Assert.Contains(MountInfo.Read(), m => m.MountPoint == target && m.MountOptions.Split(',').Contains("idmapped"));
        }
        finally
        {
            IdmappedMounts.UnmountBelow(temp.Path);
            holder.Kill();
        }

        Assert.False(Mounts.IsMountPoint(target));
    }

    [Fact]
    public async Task Mounting_without_a_user_namespace_to_map_by_fails_and_leaves_nothing()
    {
        Host.RequireRoot();
        var source = temp.CreateDirectory("source");
        var target = temp.CreateDirectory("target");

        // The initial user namespace is no idmapping: mount_setattr refuses it.
        Assert.ThrowsAny<IOException>(() => IdmappedMounts.Mount(source, target, "/proc/self/ns/user"));
        Assert.False(Mounts.IsMountPoint(target));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_probe_succeeds_on_this_kernel_and_cleans_up()
    {
        Host.RequireRoot();
        var scratch = Path.Join(temp.Path, "probe");
        Assert.Null(await IdmapProbe.RunAsync(scratch, CancellationToken.None));
        Assert.False(Directory.Exists(scratch));
        Assert.DoesNotContain(MountInfo.Read(), m => m.MountPoint.StartsWith(temp.Path, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        IdmappedMounts.UnmountBelow(temp.Path);
        temp.Dispose();
    }

    private static async Task<Process> UserNamespaceAsync(string map)
    {
        var process = Process.Start(new ProcessStartInfo("unshare", ["--user", "--", "sleep", "30"]))!;
        var self = NamespaceInodes.Of(Environment.ProcessId, "user");
        while (true)
        {
            try
            {
                if (NamespaceInodes.Of(process.Id, "user") != self)
                {
                    break;
                }
            }
            catch (IOException)
            {
            }

            await Task.Delay(10);
        }

        var pid = process.Id.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync($"/proc/{pid}/uid_map", map + "\n");
        await File.WriteAllTextAsync($"/proc/{pid}/gid_map", map + "\n");
        return process;
    }
}
