using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>What statx(2) says about a file: its type and permission bits, owner, size, inode
/// and link count and, for a device node, its device numbers.</summary>
public sealed record FileNode(UnixFileType Type, uint Mode, uint Uid, uint Gid, uint RdevMajor, uint RdevMinor, ulong Size, ulong Inode = 0, uint Links = 0)
{
    /// <summary>What <see cref="FileNodes.LStat"/> answers when nothing is at the path.</summary>
    public static readonly FileNode Missing = new(UnixFileType.Missing, 0, 0, 0, 0, 0, 0);

    public bool IsDevice => Type is UnixFileType.CharacterDevice or UnixFileType.BlockDevice;

    /// <summary>overlayfs's whiteout: a character device 0:0 hides the same name in lower layers.</summary>
    public bool IsWhiteout => Type == UnixFileType.CharacterDevice && RdevMajor == 0 && RdevMinor == 0;
}

public enum UnixFileType
{
    Missing,
    Regular,
    Directory,
    Symlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    Other,
}

/// <summary>
/// The file calls .NET has no API for: device numbers (a container's device list needs the major
/// and minor of the host node it copies) and the per-entry calls of layer unpacking (lstat,
/// lchown, link, xattrs, utimensat), where a process per call would dominate the time to unpack
/// an image. Paths are UTF-8, as the kernel sees them.
/// </summary>
public static class FileNodes
{
    /// <summary>overlayfs's marker of a directory that hides everything beneath it in lower layers.</summary>
    public const string OverlayOpaque = "trusted.overlay.opaque";

    private const uint TypeMask = 0xF000; // S_IFMT

    /// <summary>Follows symlinks, as /dev/disk/by-id names are.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    public static FileNode Stat(string path) =>
        StatAt(path, 0) ?? throw new FileNotFoundException($"{path} does not exist", path);

    /// <summary>The path itself, never a symlink's target; <see cref="FileNode.Missing"/> when
    /// nothing is there (or a parent is not a directory).</summary>
    public static FileNode LStat(string path) => StatAt(path, Libc.AT_SYMLINK_NOFOLLOW) ?? FileNode.Missing;

    public static void LChown(string path, int uid, int gid) =>
        Check(Libc.LChown(path, (uint)uid, (uint)gid), "lchown", path);

    /// <summary>link(2): on Linux it never follows a symlink at <paramref name="existing"/>.</summary>
    public static void Link(string existing, string path) => Check(Libc.Link(existing, path), "link", path);

    /// <returns>False when the file system does not take this attribute (EOPNOTSUPP, or EPERM
    /// for user.* on a symlink).</returns>
    public static bool LSetXattr(string path, string name, byte[] value)
    {
        if (Libc.LSetXattr(path, name, value, (nuint)value.Length, 0) == 0)
        {
            return true;
        }

        var errno = Libc.LastError();
        return errno is Libc.EOPNOTSUPP or Libc.EPERM ? false : throw Libc.Error($"lsetxattr {name} {path}", errno);
    }

    /// <summary>Null when the attribute is not set (or the file system has none).</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        var length = Libc.LGetXattr(path, name, buffer, (nuint)buffer.Length);
        if (length < 0)
        {
            var errno = Libc.LastError();
            return errno is Libc.ENODATA or Libc.ENOENT or Libc.EOPNOTSUPP ? null : throw Libc.Error($"lgetxattr {name} {path}", errno);
        }

        return buffer[..(int)length];
    }

    /// <summary>Sets both times of the path itself, never of a symlink's target.</summary>
    public static void SetTimes(string path, DateTimeOffset accessed, DateTimeOffset modified) =>
        Check(Libc.Utimensat(Libc.AT_FDCWD, path, [TimespecOf(accessed), TimespecOf(modified)], Libc.AT_SYMLINK_NOFOLLOW), "utimensat", path);

    /// <summary>The file an open descriptor (O_PATH ones too) refers to.</summary>
    internal static FileNode OfDescriptor(int fd) =>
        StatAt("", Libc.AT_EMPTY_PATH, fd) ?? throw new FileNotFoundException($"descriptor {fd} refers to nothing");

    private static FileNode? StatAt(string path, int flags, int dirFd = Libc.AT_FDCWD)
    {
        var buffer = new byte[Libc.StatxSize];
        if (Libc.Statx(dirFd, path, flags, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            var errno = Libc.LastError();
            return errno is Libc.ENOENT or Libc.ENOTDIR ? null : throw Libc.Error($"statx {path}", errno);
        }

        // Offsets of struct statx (include/uapi/linux/stat.h); fields are in host byte order.
        ReadOnlySpan<byte> span = buffer;
        var mode = MemoryMarshal.Read<ushort>(span[28..]);
        return new FileNode(
            TypeOf(mode),
            Mode: mode & 0xFFFu,
            Uid: MemoryMarshal.Read<uint>(span[20..]),
            Gid: MemoryMarshal.Read<uint>(span[24..]),
            RdevMajor: MemoryMarshal.Read<uint>(span[128..]),
            RdevMinor: MemoryMarshal.Read<uint>(span[132..]),
            Size: MemoryMarshal.Read<ulong>(span[40..]),
            Inode: MemoryMarshal.Read<ulong>(span[32..]),
            Links: MemoryMarshal.Read<uint>(span[16..]));
    }

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
        {
            throw Libc.Error($"{call} {path}", Libc.LastError());
        }
    }

    private static Libc.Timespec TimespecOf(DateTimeOffset time)
    {
        var seconds = Math.DivRem(time.UtcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return new Libc.Timespec { Seconds = seconds, Nanoseconds = rest * 100 };
    }

    private static UnixFileType TypeOf(uint mode) => (mode & TypeMask) switch
    {
        0x8000 => UnixFileType.Regular,
        0x4000 => UnixFileType.Directory,
        0xA000 => UnixFileType.Symlink,
        0x2000 => UnixFileType.CharacterDevice,
        0x6000 => UnixFileType.BlockDevice,
        0x1000 => UnixFileType.Fifo,
        0xC000 => UnixFileType.Socket,
        _ => UnixFileType.Other,
    };
}
