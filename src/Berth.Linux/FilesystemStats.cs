using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>Size, free space and inodes of one mounted filesystem (statvfs), what the kubelet's
/// nodefs and imagefs signals are made of.</summary>
/// <param name="AvailableBytes">Free to unprivileged users (f_bavail), as the kubelet's
/// availableBytes.</param>
public sealed record FilesystemStats(ulong CapacityBytes, ulong AvailableBytes, ulong Inodes, ulong InodesFree)
{
    /// <summary>statvfs of the filesystem holding <paramref name="path"/> (its nearest existing
    /// ancestor); null when the call fails.</summary>
    public static FilesystemStats? Of(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        if (Libc.StatVfs(existing, out var buf) != 0)
        {
            return null;
        }

        var unit = buf.FragmentSize != 0 ? buf.FragmentSize : buf.BlockSize;
        return new FilesystemStats(buf.Blocks * unit, buf.BlocksAvailable * unit, buf.Files, buf.FilesFree);
    }
}

/// <summary>glibc's struct statvfs on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StatVfsBuffer
{
    public ulong BlockSize;
    public ulong FragmentSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FilesAvailable;
    public ulong FilesystemId;
    public ulong Flags;
    public ulong NameMax;
    public int Spare0;
    public int Spare1;
    public int Spare2;
    public int Spare3;
    public int Spare4;
    public int Spare5;
}
