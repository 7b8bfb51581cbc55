using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// The few libc calls .NET has no API for. Paths are marshalled as UTF-8 because that is how
/// the kernel sees file names, whatever the process locale.
/// </summary>
internal static class Libc
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EWOULDBLOCK = 11;
    public const int EBUSY = 16;
    public const int EINVAL = 22;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;

    public const ulong MS_RDONLY = 1;
    public const ulong MS_REMOUNT = 32;
    public const ulong MS_BIND = 4096;

    public const int MNT_DETACH = 2;

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    [DllImport("libc", SetLastError = true, EntryPoint = "mount")]
    public static extern int Mount(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? source,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? fileSystemType,
        ulong flags,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? data);

    [DllImport("libc", SetLastError = true, EntryPoint = "umount2")]
    public static extern int Umount2([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", SetLastError = true, EntryPoint = "close")]
    public static extern int Close(int fd);

    [DllImport("libc", SetLastError = true, EntryPoint = "fsync")]
    public static extern int Fsync(int fd);

    [DllImport("libc", SetLastError = true, EntryPoint = "flock")]
    public static extern int Flock(int fd, int operation);

    [DllImport("libc", SetLastError = true, EntryPoint = "rmdir")]
    public static extern int Rmdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", SetLastError = true, EntryPoint = "realpath")]
    public static extern IntPtr RealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    public static extern void Free(IntPtr pointer);

    /// <summary>The errno of the last call, read before anything else can overwrite it.</summary>
    public static int LastError() => Marshal.GetLastPInvokeError();

    /// <summary>An IOException for <paramref name="errno"/>, prefixed with what was being done.</summary>
    public static IOException Error(string doing, int errno) =>
        new($"{doing}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);

    /// <summary>The canonical path (symlinks resolved), or null when it does not exist.</summary>
    public static string? Canonical(string path)
    {
        var resolved = RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }
}
