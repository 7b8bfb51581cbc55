namespace Berth.Linux;

/// <summary>Writes to a named pipe without ever waiting for a reader.</summary>
public static class Fifo
{
    /// <summary>
    /// Opens the FIFO write-only and non-blocking and writes <paramref name="message"/>. Returns
    /// false when nobody holds the read end (the reader is gone): a plain open would hang then.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no FIFO at <paramref name="path"/>.</exception>
    public static bool TryWrite(string path, byte[] message)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Libc.LastError();
            return errno switch
            {
                Libc.ENXIO => false,
                Libc.ENOENT => throw new FileNotFoundException($"{path} does not exist", path),
                _ => throw Libc.Error($"open {path}", errno),
            };
        }

        try
        {
            if (Libc.Write(fd, message, message.Length) != message.Length)
            {
                throw Libc.Error($"write {path}", Libc.LastError());
            }

            return true;
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
