using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>The *at calls and openat2(2) that resolve a path one directory descriptor at a time
/// (<see cref="SafePath"/>). Flag values are x86-64's, as in <see cref="Libc"/>.</summary>
internal static partial class Libc
{
    public const int E2BIG = 7;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;

    public const int O_EXCL = 0x80;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_PATH = 0x200000;

    public const int AT_EMPTY_PATH = 0x1000;

    /// <summary>openat2's syscall number, the same on every architecture (include/uapi/asm-generic/unistd.h).</summary>
    public const long SYS_openat2 = 437;

    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_BENEATH = 0x08;

    /// <summary>struct open_how (include/uapi/linux/openat2.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    // glibc has no openat2 wrapper before 2.36's headers-only one: call it by number. Every
    // argument is passed as a full register so nothing depends on how ints are widened.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall(long number, long dirFd, string path, ref OpenHow how, nuint size);

    public static int Openat2(int dirFd, string path, ref OpenHow how) =>
        (int)Syscall(SYS_openat2, dirFd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirFd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLinkAt(int dirFd, string path, [Out] byte[] buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);
}
