using System.Globalization;
using Berth.Linux;
using Berth.Runtime.Model;
using Berth.Runtime.Specs;

namespace Berth.Runtime.UserNamespaces;

/// <summary>
/// What a container of a pod with its own user namespace sees of host files, made with idmapped
/// mounts under &lt;bundle&gt;/idmap and handed to the overlay and to runc as plain paths:
/// - each image layer is idmapped, so image files owned by 0 are owned by the pod's root; the
///   overlay's upper directory stays plain (overlayfs, as of Linux 6.18, cannot idmap its own
///   mount nor work through an idmapped upper layer as host root), so what the container writes
///   in its root file system is stored under its host IDs;
/// - each volume (emptyDir, hostPath) is idmapped, so its files keep their host owners on disk:
///   a file root in the container creates there is owned by 0 on the host, as with the kubelet.
/// Everything under &lt;bundle&gt;/idmap is unmounted with the container, and by reconciliation
/// after a crash, through <see cref="Unmount"/>.
/// </summary>
public static class IdmappedContainerMounts
{
    public const string DirectoryName = "idmap";

    /// <summary>The overlay lowerdir list of <paramref name="lowerDirs"/>, every layer idmapped.</summary>
    public static string MapLayers(string lowerDirs, string bundle, SandboxRecord sandbox, string upperDir)
    {
        var userns = sandbox.Config.UserNamespace ?? throw new ArgumentException("the sandbox has no user namespace", nameof(sandbox));
        var mapped = new List<string>();
        foreach (var (layer, i) in lowerDirs.Split(':').Select((l, i) => (l, i)))
        {
            var target = Directory.CreateDirectory(Path.Combine(bundle, DirectoryName, "layer-" + i.ToString(CultureInfo.InvariantCulture))).FullName;
            IdmappedMounts.Mount(layer, target, UserNamespacePath(sandbox));
            mapped.Add(target);
        }

        // overlayfs gives its root directory the owner of the upper directory: the pod's root.
        var (uid, gid) = UserNamespaceSpec.HostRoot(userns);
        FileNodes.LChown(upperDir, (int)uid, (int)gid);
        return string.Join(':', mapped);
    }

    /// <summary>The container's config with each volume's host path replaced by an idmapped mount of it.</summary>
    public static ContainerConfig MapVolumes(ContainerConfig config, string bundle, SandboxRecord sandbox)
    {
        var mounts = new List<ContainerMount>();
        foreach (var (mount, i) in config.Mounts.Select((m, i) => (m, i)))
        {
            var target = Path.Combine(bundle, DirectoryName, "volume-" + i.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(mount.HostPath))
            {
                Directory.CreateDirectory(target);
            }
            else if (File.Exists(mount.HostPath))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, []);
            }
            else
            {
                throw new IOException($"volume {mount.HostPath} for {mount.ContainerPath} does not exist");
            }

            IdmappedMounts.Mount(mount.HostPath, target, UserNamespacePath(sandbox));
            mounts.Add(mount with { HostPath = target });
        }

        return config with { Mounts = mounts };
    }

    public static void Unmount(string bundle) => IdmappedMounts.UnmountBelow(Path.Combine(bundle, DirectoryName));

    private static string UserNamespacePath(SandboxRecord sandbox) => NamespacePaths.Of(sandbox.InfraPid, "user");
}
