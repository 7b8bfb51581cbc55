using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// Idmapped mounts (Linux 5.12+): a detached copy of a directory's mount, open_tree(2) with
/// OPEN_TREE_CLONE, gets the ID mapping of a user namespace with mount_setattr(2) and
/// MOUNT_ATTR_IDMAP, and is attached with move_mount(2). Through it a file owned by host uid N
/// appears owned by the uid that N maps to from inside that namespace, and a file written as a
/// namespace uid is stored as the id it maps to outside. Debian's runc 1.1 cannot make these, so
/// Berth makes them and hands runc plain paths.
/// </summary>
public static partial class IdmappedMounts
{
    // Syscall numbers of the new mount API; the same on x86_64 and arm64 (the unified table
    // from 403 on, include/uapi/asm-generic/unistd.h).
    private const long SysOpenTree = 428;
    private const long SysMoveMount = 429;
    private const long SysMountSetattr = 442;

    private const uint OpenTreeClone = 1;
    private const uint OpenTreeCloexec = 0x80000;
    private const int AtFdcwd = -100;
    private const uint AtEmptyPath = 0x1000;
    private const uint MoveMountFEmptyPath = 0x4;
    private const ulong MountAttrIdmap = 0x00100000;
    private const ulong MountAttrRdonly = 0x1;

    /// <summary>struct mount_attr, version 0 (linux/mount.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet;
        public ulong AttrClr;
        public ulong Propagation;
        public ulong UsernsFd;
    }

    /// <summary>
    /// Mounts <paramref name="source"/> (a directory or a file; not its submounts) on
    /// <paramref name="target"/>, which must exist and be of the same kind, with the ID mapping of
    /// the user namespace at <paramref name="userNamespace"/> (a /proc/&lt;pid&gt;/ns/user path).
    /// </summary>
    public static void Mount(string source, string target, string userNamespace, bool readOnly = false)
    {
        using var userns = FileDescriptor.Open(userNamespace, Libc.O_RDONLY);
        var tree = (int)Syscall(SysOpenTree, AtFdcwd, source, OpenTreeClone | OpenTreeCloexec);
        if (tree < 0)
        {
            throw Libc.Error($"open_tree {source}", Libc.LastError());
        }

        // Closing the descriptor of a detached tree that was never attached frees it, so every
        // failure below leaves nothing behind; after move_mount the mount lives on its own.
        using var treeFd = new FileDescriptor(tree);
        var attr = new MountAttr { AttrSet = MountAttrIdmap | (readOnly ? MountAttrRdonly : 0), UsernsFd = (ulong)userns.Fd };
        if (SetAttr(tree, "", AtEmptyPath, ref attr, (nuint)Marshal.SizeOf<MountAttr>()) != 0)
        {
            var errno = Libc.LastError();
            throw Libc.Error($"mount_setattr MOUNT_ATTR_IDMAP on {source} ({Explain(errno)})", errno);
        }

        if (Syscall(SysMoveMount, tree, "", AtFdcwd, target, MoveMountFEmptyPath) != 0)
        {
            throw Libc.Error($"move_mount {source} to {target}", Libc.LastError());
        }
    }

    /// <summary>Lazily unmounts every mount at or below <paramref name="directory"/>, deepest first.</summary>
    public static void UnmountBelow(string directory)
    {
        var root = Libc.Canonical(directory);
        if (root is null)
        {
            return;
        }

        // Every entry, duplicates too: a stacked mount point needs one unmount per mount.
        foreach (var mount in MountInfo.Read().Select(m => m.MountPoint)
            .Where(p => p == root || p.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(p => p.Length))
        {
            Mounts.Unmount(mount);
        }
    }

    private static string Explain(int errno) => errno switch
    {
        Libc.EINVAL => "this file system or kernel cannot idmap mounts",
        Libc.EPERM => "not permitted",
        38 => "the kernel has no mount_setattr",
        _ => "failed",
    };

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, int dirFd, string path, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, int fromDirFd, string fromPath, int toDirFd, string toPath, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetAttrCall(long number, int dirFd, string path, uint flags, ref MountAttr attr, nuint size);

    private static int SetAttr(int dirFd, string path, uint flags, ref MountAttr attr, nuint size) =>
        SetAttrCall(SysMountSetattr, dirFd, path, flags, ref attr, size);
}
