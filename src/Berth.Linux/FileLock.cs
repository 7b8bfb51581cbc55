namespace Berth.Linux;

/// <summary>
/// An exclusive flock(2) held for as long as this object lives. The lock belongs to the open
/// file description, so a second <see cref="TryAcquire"/> conflicts even within this process,
/// and the kernel drops it when the process dies, so a crash never leaves a stale lock.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileDescriptor descriptor;

    private FileLock(string path, FileDescriptor descriptor)
    {
        Path = path;
        this.descriptor = descriptor;
    }

    public string Path { get; }

    /// <summary>Creates <paramref name="path"/> if needed and locks it; null when someone else
    /// holds the lock.</summary>
    public static FileLock? TryAcquire(string path)
    {
        var descriptor = FileDescriptor.Open(path, Libc.O_RDWR | Libc.O_CREAT, mode: 0b110_100_100);
        try
        {
            while (Libc.Flock(descriptor.Fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
            {
                var errno = Libc.LastError();
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                descriptor.Dispose();
                return errno == Libc.EWOULDBLOCK ? null : throw Libc.Error($"flock {path}", errno);
            }

            return new FileLock(path, descriptor);
        }
        catch
        {
            descriptor.Dispose();
            throw;
        }
    }

    /// <summary>Closing the descriptor releases the lock.</summary>
    public void Dispose() => descriptor.Dispose();
}
