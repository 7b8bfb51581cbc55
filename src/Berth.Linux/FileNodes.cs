using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>What statx(2) says about a file: its type and permission bits, owner and, for a
/// device node, its device numbers.</summary>
public sealed record FileNode(UnixFileType Type, uint Mode, uint Uid, uint Gid, uint RdevMajor, uint RdevMinor, ulong Size)
{
    public bool IsDevice => Type is UnixFileType.CharacterDevice or UnixFileType.BlockDevice;
}

public enum UnixFileType
{
    Other,
    Regular,
    Directory,
    Symlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>File facts .NET has no API for, chiefly device numbers, which a container's device
/// list needs (major and minor of the host node it gets a copy of).</summary>
public static class FileNodes
{
    private const uint TypeMask = 0xF000; // S_IFMT

    /// <summary>Follows symlinks, as /dev/disk/by-id names are.</summary>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    public static FileNode Stat(string path)
    {
        var buffer = new byte[Libc.StatxSize];
        if (Libc.Statx(Libc.AT_FDCWD, path, 0, Libc.STATX_BASIC_STATS, buffer) != 0)
        {
            var errno = Libc.LastError();
            if (errno == Libc.ENOENT)
            {
                throw new FileNotFoundException($"{path} does not exist", path);
            }

            throw Libc.Error($"statx {path}", errno);
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
            Size: MemoryMarshal.Read<ulong>(span[40..]));
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
