using System.Globalization;
using Berth.Core.Validation;
using Berth.Linux;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// A container's subPath mounts, made the kubelet's way (pkg/volume/util/subpath, the fix of
/// CVE-2017-1002101). A subPath is resolved beneath its volume without following a symlink out
/// (<see cref="SafePath"/>); missing directories are made on the way; the opened file is
/// bind-mounted through /proc/self/fd onto a target of Berth's own,
/// &lt;pod dir&gt;/volume-subpaths/&lt;volume&gt;/&lt;container&gt;/&lt;mount index&gt;, and runc mounts that
/// target. A container can rename or re-link what is in its volume at any time, but not the
/// target, so what runc mounts is what was checked. A symlink that stays inside the volume is
/// followed; anything else found there (a FIFO, a socket, a device node) is mounted like a file,
/// as the kubelet mounts it: the container could already reach it through the volume.
/// </summary>
public static class SubPaths
{
    public const string DirectoryName = "volume-subpaths";

    public static string Root(string podDir) => Path.Combine(podDir, DirectoryName);

    public static string TargetOf(string podDir, string volume, string container, int index) =>
        Path.Combine(Root(podDir), volume, container, index.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Removes the container's previous subPath mounts (an earlier instance, or one an agent
    /// crash left), then makes one for each of its volumeMounts that has a subPath or subPathExpr.
    /// </summary>
    /// <returns>The mount source of each such volumeMount, by its index.</returns>
    /// <exception cref="ContainerConfigException">A subPath cannot be mounted safely; nothing of this container stays mounted.</exception>
    public static IReadOnlyDictionary<int, string> Prepare(string podDir, V1Container container, IReadOnlyDictionary<string, string> volumePaths)
    {
        Clean(podDir, container.Name);
        var sources = new Dictionary<int, string>();
        var env = VolumeSubPath.EnvOf(container);
        try
        {
            for (var i = 0; i < (container.VolumeMounts?.Count ?? 0); i++)
            {
                var mount = container.VolumeMounts![i];
                if (SubPathOf(mount, env) is { } subPath)
                {
                    sources[i] = Bind(podDir, container.Name, mount, i, volumePaths[mount.Name], subPath);
                }
            }
        }
        catch
        {
            Clean(podDir, container.Name);
            throw;
        }

        return sources;
    }

    /// <summary>Where runc mounts a volumeMount from: its subPath target, else the volume. A
    /// subPath never falls back to a plain path join, which would follow symlinks on the host.</summary>
    public static string MountSource(V1VolumeMount mount, int index, IReadOnlyDictionary<string, string> volumePaths, IReadOnlyDictionary<int, string>? prepared) =>
        prepared?.GetValueOrDefault(index)
        ?? (string.IsNullOrEmpty(mount.SubPath) && string.IsNullOrEmpty(mount.SubPathExpr)
            ? volumePaths[mount.Name]
            : throw new InvalidOperationException($"volumeMount {index} ({mount.Name}) has a subPath that was not prepared"));

    /// <summary>Unmounts and removes one container's subPath targets, in every volume.</summary>
    public static void Clean(string podDir, string container)
    {
        var root = Root(podDir);
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var volumeDir in Directory.EnumerateDirectories(root))
        {
            RemoveContainerDir(Path.Combine(volumeDir, container));
            RemoveIfEmpty(volumeDir);
        }

        RemoveIfEmpty(root);
    }

    /// <summary>
    /// Unmounts and removes every subPath target of the pod, before its directory is deleted: a
    /// recursive delete through a mount that is still there would delete the volume's content,
    /// or, for a hostPath volume, the host's.
    /// </summary>
    /// <exception cref="IOException">A target stays mounted; the pod directory must not be deleted.</exception>
    public static void CleanPod(string podDir)
    {
        var root = Root(podDir);
        if (!Directory.Exists(root))
        {
            return;
        }

        MountTree.UnmountAll(root);
        foreach (var volumeDir in Directory.EnumerateDirectories(root))
        {
            foreach (var containerDir in Directory.EnumerateDirectories(volumeDir))
            {
                RemoveContainerDir(containerDir);
            }

            RemoveIfEmpty(volumeDir);
        }

        RemoveIfEmpty(root);
        if (Directory.Exists(root))
        {
            throw new IOException($"{root} is not empty after its subPath mounts were removed");
        }
    }

    /// <summary>
    /// After an agent restart: the subPath targets of containers that no longer exist are
    /// unmounted (the agent may have died between mounting them and creating the container, or
    /// between removing the container and them), as are those of pods without a record.
    /// </summary>
    /// <param name="live">(pod uid, container name) of every container the runtime still has.</param>
    public static void Reconcile(string podsDir, IEnumerable<(string PodUid, string Container)> live)
    {
        var keep = live.ToHashSet();
        foreach (var podDir in Directory.Exists(podsDir) ? Directory.EnumerateDirectories(podsDir) : [])
        {
            var uid = Path.GetFileName(podDir);
            var root = Root(podDir);
            if (!Directory.Exists(root))
            {
                continue;
            }

            var containers = Directory.EnumerateDirectories(root).SelectMany(Directory.EnumerateDirectories).Select(Path.GetFileName).OfType<string>().Distinct().ToList();
            foreach (var container in containers.Where(c => !keep.Contains((uid, c))))
            {
                Clean(podDir, container);
            }
        }
    }

    /// <summary>The kubelet's makeMounts checks: the subPath (subPathExpr expanded) must name
    /// something below the volume by its text; null when the mount has neither.</summary>
    private static string? SubPathOf(V1VolumeMount mount, IReadOnlyDictionary<string, string> env)
    {
        var subPath = mount.SubPath;
        if (!string.IsNullOrEmpty(mount.SubPathExpr))
        {
            subPath = VolumeSubPath.ExpandExpr(mount.SubPathExpr, env, out var missing);
            if (missing.Count > 0)
            {
                throw new ContainerConfigException(VolumeSubPath.MissingMessage(missing));
            }
        }

        if (string.IsNullOrEmpty(subPath))
        {
            return null;
        }

        if (subPath.StartsWith('/'))
        {
            throw new ContainerConfigException($"error SubPath `{subPath}` must not be an absolute path");
        }

        return subPath.Split('/').Contains("..")
            ? throw new ContainerConfigException($"unable to provision SubPath `{subPath}`: must not contain '..'")
            : subPath;
    }

    /// <summary>
    /// Opens the subPath beneath the volume (making missing directories, as the kubelet does so
    /// they get the volume's mode rather than the runtime's), then mounts the descriptor onto the
    /// target. Messages start with the kubelet's and name the subPath as written, never a host
    /// path (the kubelet keeps host paths out of what a pod's author sees).
    /// </summary>
    private static string Bind(string podDir, string container, V1VolumeMount mount, int index, string volumePath, string subPath)
    {
        var prefix = $"failed to prepare subPath for volumeMount \"{mount.Name}\" of container \"{container}\"";
        BeneathHandle opened;
        try
        {
            opened = SafePath.OpenBeneath(volumePath, subPath, createMissing: true);
        }
        catch (BeneathException e)
        {
            var why = e.Failure switch
            {
                BeneathFailure.Escapes => "resolves outside of the volume (a symlink leads out of it)",
                BeneathFailure.Missing => "does not exist and cannot be created (is it a symlink to nothing?)",
                BeneathFailure.NotDirectory => "has a component that is not a directory",
                BeneathFailure.TooManyLinks => "has too many levels of symbolic links",
                BeneathFailure.Denied => "cannot be opened: permission denied",
                _ => "cannot be opened",
            };
            var kubelet = e.Failure == BeneathFailure.Missing ? $"failed to create subPath directory for volumeMount \"{mount.Name}\" of container \"{container}\"" : prefix;
            throw new ContainerConfigException($"{kubelet}: subPath \"{subPath}\" {why}");
        }
        catch (IOException e)
        {
            // The volume itself (Berth's emptyDir, or the hostPath the manifest names) is unusable.
            throw new ContainerConfigException($"{prefix}: {e.Message}");
        }

        using (opened)
        {
            var target = TargetOf(podDir, mount.Name, container, index);
            try
            {
                SafePath.BindMount(opened, target);
            }
            catch (IOException e)
            {
                throw new ContainerConfigException($"{prefix}: subPath \"{subPath}\" cannot be bind-mounted: {e.Message}");
            }

            return target;
        }
    }

    /// <summary>Each target is unmounted and then removed by itself: an rmdir or unlink fails
    /// on anything still mounted or not empty, so no content can go with it.</summary>
    private static void RemoveContainerDir(string containerDir)
    {
        if (!Directory.Exists(containerDir))
        {
            return;
        }

        MountTree.UnmountAll(containerDir);
        foreach (var target in Directory.EnumerateFileSystemEntries(containerDir))
        {
            if (FileNodes.LStat(target).Type == UnixFileType.Directory)
            {
                Directory.Delete(target, recursive: false);
            }
            else
            {
                File.Delete(target);
            }
        }

        Directory.Delete(containerDir, recursive: false);
    }

    private static void RemoveIfEmpty(string dir)
    {
        if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            Directory.Delete(dir, recursive: false);
        }
    }
}
