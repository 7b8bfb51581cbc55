using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Berth.Images.Layers;

/// <summary>What lstat says about one path: its type and owner, never those of a link's target.</summary>
internal readonly record struct FileStatus(UnixFileType Type, uint Mode, uint Uid, uint Gid, long Size, uint RdevMajor, uint RdevMinor, ulong Inode, uint Links)
{
    /// <summary>overlayfs's whiteout: a character device 0:0 hides the same name in lower layers.</summary>
    public bool IsWhiteout => Type == UnixFileType.CharacterDevice && RdevMajor == 0 && RdevMinor == 0;
}

internal enum UnixFileType
{
    Missing,
    Regular,
    Directory,
    Symlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>
/// The few file calls .NET has no API for, which layer unpacking makes once per entry: a process
/// per call (chown -h, ln) would dominate the time to unpack an image. Device nodes and fifos are
/// rare enough to be made by the mknod and mkfifo commands instead. Paths are UTF-8, as the kernel
/// sees them.
/// </summary>
internal static partial class FileCalls
{
    public const string OverlayOpaque = "trusted.overlay.opaque";

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2;
    private const int ENODATA = 61;

    /// <summary>lstat through statx, whose struct layout is the same on every architecture.</summary>
    public static FileStatus LStat(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT || errno == 20 /* ENOTDIR: a parent is a file */
                ? default
                : throw Error("statx", path, errno);
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        var type = (mode & 0xF000) switch
        {
            0x8000 => UnixFileType.Regular,
            0x4000 => UnixFileType.Directory,
            0xA000 => UnixFileType.Symlink,
            0x2000 => UnixFileType.CharacterDevice,
            0x6000 => UnixFileType.BlockDevice,
            0x1000 => UnixFileType.Fifo,
            _ => UnixFileType.Socket,
        };
        return new FileStatus(
            type,
            mode & 0xFFFu,
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(40)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(128)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(132)),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(16)));
    }

    public static void LChown(string path, int uid, int gid)
    {
        if (LChownNative(path, (uint)uid, (uint)gid) != 0)
        {
            throw Error("lchown", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>link(2): on Linux it never follows a symlink at <paramref name="existing"/>.</summary>
    public static void Link(string existing, string path)
    {
        if (LinkNative(existing, path) != 0)
        {
            throw Error("link", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <returns>False when the file system does not take this attribute (EOPNOTSUPP, or EPERM for user.* on a symlink).</returns>
    public static bool LSetXattr(string path, string name, byte[] value)
    {
        if (LSetXattrNative(path, name, value, (nuint)value.Length, 0) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is 95 or 1 ? false : throw Error($"lsetxattr {name}", path, errno);
    }

    /// <summary>Null when the attribute is not set.</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        var length = LGetXattrNative(path, name, buffer, (nuint)buffer.Length);
        if (length < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENODATA or ENOENT or 95 ? null : throw Error($"lgetxattr {name}", path, errno);
        }

        return buffer[..(int)length];
    }

    /// <summary>Sets both times of the path itself, never of a symlink's target.</summary>
    public static void SetTimes(string path, DateTimeOffset accessed, DateTimeOffset modified)
    {
        Timespec[] times = [Timespec.From(accessed), Timespec.From(modified)];
        if (Utimensat(AtFdCwd, path, times, AtSymlinkNoFollow) != 0)
        {
            throw Error("utimensat", path, Marshal.GetLastPInvokeError());
        }
    }

    private static IOException Error(string call, string path, int errno) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;

        public static Timespec From(DateTimeOffset time)
        {
            var ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
            var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
            if (rest < 0)
            {
                seconds--;
                rest += TimeSpan.TicksPerSecond;
            }

            return new Timespec { Seconds = seconds, Nanoseconds = rest * 100 };
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChownNative(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string path);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LSetXattrNative(string path, string name, [In] byte[] value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LGetXattrNative(string path, string name, [Out] byte[] value, nuint size);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Utimensat(int dirfd, string path, [In] Timespec[] times, int flags);
}
