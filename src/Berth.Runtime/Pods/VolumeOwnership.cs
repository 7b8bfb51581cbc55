using Berth.Linux;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// fsGroup on a volume, as the kubelet applies it (pkg/volume/volume_linux.go
/// SetVolumeOwnership): every file gets the group and group read-write (read-only for a
/// read-only volume), directories also group search and setgid so new files inherit the group.
/// With fsGroupChangePolicy OnRootMismatch a tree whose root already has the group, the bits
/// and setgid is left as it is. The kubelet manages ownership of emptyDir (and other writable
/// plugin) volumes only; hostPath is the node's and is never changed.
/// </summary>
public static class VolumeOwnership
{
    private const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead;
    private const UnixFileMode Search = UnixFileMode.UserExecute | UnixFileMode.GroupExecute;

    /// <summary>The pod's emptyDir volumes get its fsGroup; a pod without one is left alone.</summary>
    public static void ApplyToPod(V1Pod pod, IReadOnlyDictionary<string, string> volumePaths)
    {
        if (pod.Spec.SecurityContext?.FsGroup is not { } fsGroup)
        {
            return;
        }

        var policy = pod.Spec.SecurityContext.FsGroupChangePolicy ?? "Always";
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not null)
            {
                Apply(volumePaths[volume.Name], fsGroup, policy == "OnRootMismatch", readOnly: false);
            }
        }
    }

    /// <returns>False when OnRootMismatch found the root already right and changed nothing.</returns>
    public static bool Apply(string root, long fsGroup, bool onRootMismatch, bool readOnly)
    {
        var gid = checked((int)fsGroup);
        var mask = readOnly ? ReadOnly : ReadWrite;
        if (onRootMismatch && !NeedsChange(root, (uint)gid, mask))
        {
            return false;
        }

        ChangeTree(root, gid, mask);
        return true;
    }

    /// <summary>Every entry, dot-files included; a symlink is re-owned itself but never followed,
    /// so a link the pod made cannot lead the walk out of its volume.</summary>
    private static void ChangeTree(string directory, int gid, UnixFileMode mask)
    {
        Change(directory, gid, mask);
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            if (FileNodes.LStat(path).Type == UnixFileType.Directory)
            {
                ChangeTree(path, gid, mask);
            }
            else
            {
                Change(path, gid, mask);
            }
        }
    }

    /// <summary>volume_linux.go requiresPermissionChange: the root's group, its bits, its setgid.</summary>
    private static bool NeedsChange(string root, uint gid, UnixFileMode mask)
    {
        var node = FileNodes.Stat(root);
        var mode = File.GetUnixFileMode(root);
        var wanted = mask | Search;
        return node.Gid != gid || (mode & wanted) != wanted || !mode.HasFlag(UnixFileMode.SetGroup);
    }

    /// <summary>A symlink gets the group (lchown) but no mode: chmod would follow it.</summary>
    private static void Change(string path, int gid, UnixFileMode mask)
    {
        FileNodes.LChown(path, -1, gid);
        var node = FileNodes.LStat(path);
        if (node.Type == UnixFileType.Symlink)
        {
            return;
        }

        var add = node.Type == UnixFileType.Directory ? mask | Search | UnixFileMode.SetGroup : mask;
        File.SetUnixFileMode(path, File.GetUnixFileMode(path) | add);
    }
}
