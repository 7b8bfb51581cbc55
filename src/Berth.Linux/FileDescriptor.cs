using Microsoft.Win32.SafeHandles;

namespace Berth.Linux;

/// <summary>A raw file descriptor from <see cref="Libc.Open"/>, closed exactly once.</summary>
internal sealed class FileDescriptor : SafeHandleMinusOneIsInvalid
{
    public FileDescriptor(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    public int Fd => (int)handle;

    /// <summary>Opens <paramref name="path"/> or throws an IOException with the errno text.</summary>
    public static FileDescriptor Open(string path, int flags, uint mode = 0)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC, mode);
        if (fd < 0)
        {
            throw Libc.Error($"open {path}", Libc.LastError());
        }

        return new FileDescriptor(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
