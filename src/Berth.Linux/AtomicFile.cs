using System.Text;

namespace Berth.Linux;

/// <summary>
/// Replaces a file so that after a crash it holds either the old or the new content, never a
/// mix or nothing: write a temporary file beside it, fsync, rename over the target, then fsync
/// the directory so the rename itself is on disk.
/// </summary>
public static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    public static void Write(string path, string content) => Write(path, Encoding.UTF8.GetBytes(content));

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var target = Path.GetFullPath(path);
        var temp = TempPathFor(target);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            Replace(temp, target);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static Task WriteAsync(string path, string content, CancellationToken cancellationToken = default) =>
        WriteAsync(path, Encoding.UTF8.GetBytes(content), cancellationToken);

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        var temp = TempPathFor(target);
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            // Past this point the new content is durable; a cancellation now would only leave
            // the target half-published.
            Replace(temp, target);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Whether <paramref name="fileName"/> is a temporary file that a write of
    /// <paramref name="target"/> interrupted by a crash left beside it.</summary>
    public static bool IsLeftoverOf(string fileName, string target) =>
        fileName.StartsWith($".{Path.GetFileName(target)}.", StringComparison.Ordinal)
        && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    private static string TempPathFor(string target) =>
        Path.Combine(
            Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{target}' has no directory", nameof(target)),
            $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{TempSuffix}");

    private static void Replace(string temp, string target)
    {
        // A replaced file keeps its permissions; a fresh temp file would have the umask's.
        if (File.Exists(target))
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
        }

        File.Move(temp, target, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(target)!);
    }

    private static void SyncDirectory(string directory)
    {
        using var descriptor = FileDescriptor.Open(directory, Libc.O_RDONLY | Libc.O_DIRECTORY);
        if (Libc.Fsync(descriptor.Fd) != 0)
        {
            throw Libc.Error($"fsync {directory}", Libc.LastError());
        }
    }
}
