using Berth.Linux;
using Berth.Runtime.Network;
using Berth.Runtime.UserNamespaces;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime;

/// <summary>
/// Removes what a sandbox or container left on the node: the runtime's container, the root
/// file system mount, idmapped mounts, the exit file, the attach link and the directories.
/// A directory with anything still mounted below it is never deleted recursively.
/// </summary>
public sealed class BundleCleanup(RuntimeState state)
{
    private BundleLayout Layout => state.Layout;

    public async Task SandboxAsync(string id)
    {
        await TryAsync(() => state.Seams.Oci.DeleteAsync(id, CancellationToken.None), $"delete infra {id}");
        DeleteFile(Layout.ExitFile(id));
        DeleteFile(Layout.AttachLink(id));
        DeleteTree(Layout.Bundle(id));
        DeleteTree(Layout.SandboxFiles(id));
    }

    public async Task ContainerAsync(string id)
    {
        await TryAsync(() => state.Seams.Oci.DeleteAsync(id, CancellationToken.None), $"delete container {id}");
        state.Seams.Mounts.Unmount(Layout.Rootfs(id));
        IdmappedContainerMounts.Unmount(Layout.Bundle(id));
        DeleteFile(Layout.ExitFile(id));
        DeleteFile(Layout.AttachLink(id));
        DeleteTree(Layout.Bundle(id));
        DeleteTree(Layout.Layer(id));
    }

    /// <exception cref="IOException">Something is still mounted at or below <paramref name="dir"/>.</exception>
    public void DeleteTree(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        if (state.Seams.Mounts.IsMountPoint(dir) || Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Any(state.Seams.Mounts.IsMountPoint))
        {
            throw new IOException($"refusing to delete {dir}: something is still mounted below it");
        }

        Directory.Delete(dir, recursive: true);
    }

    /// <summary>Runs one cleanup step; a failure is logged, and the rest of the cleanup goes on.</summary>
    public async Task TryAsync(Func<Task> action, string what)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is CommandException or IOException or CniException)
        {
            state.Logger.LogWarning("cleanup: {What} failed: {Error}", what, e.Message);
        }
    }

    /// <summary>An exit file or conmon's attach link (a symlink to the bundle): after a reboot,
    /// or before the first monitor ran, its whole directory may be missing.</summary>
    private static void DeleteFile(string path)
    {
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
        }
    }
}
