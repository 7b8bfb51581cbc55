using System.Runtime.CompilerServices;
using System.Text;

namespace Berth.Runtime.Logs;

/// <summary>
/// Reads the CRI container log format conmon writes: one line per record,
/// "&lt;RFC3339 time&gt; &lt;stdout|stderr&gt; &lt;P|F&gt; &lt;content&gt;", where P marks a partial
/// line continued by the next record and F a full one.
/// </summary>
public static class CriLog
{
    public sealed record Entry(DateTimeOffset Time, string Stream, bool Partial, string Content);

    public static Entry? Parse(string line)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || !DateTimeOffset.TryParse(parts[0], out var time) || parts[2] is not ("P" or "F"))
        {
            return null;
        }

        return new Entry(time, parts[1], parts[2] == "P", parts.Length == 4 ? parts[3] : "");
    }

    /// <summary>The contents of the log as the container wrote it. With <paramref name="stillWriting"/>,
    /// keeps following the file while it returns true.</summary>
    public static async IAsyncEnumerable<byte[]> ReadAsync(string path, Func<Task<bool>>? stillWriting, [EnumeratorCancellation] CancellationToken ct)
    {
        while (!File.Exists(path))
        {
            if (stillWriting is null || !await stillWriting())
            {
                throw new NotFoundException($"no log at {path}");
            }

            await Task.Delay(100, ct);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var pending = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(ct);
            if (line is not null)
            {
                if (Parse(line) is { } entry)
                {
                    yield return Encoding.UTF8.GetBytes(entry.Partial ? entry.Content : entry.Content + "\n");
                }

                continue;
            }

            if (stillWriting is null)
            {
                yield break;
            }

            // At the end: stop once the writer is done and nothing more arrived.
            var writing = await stillWriting();
            await Task.Delay(200, ct);
            if (!writing && stream.Position == stream.Length)
            {
                yield break;
            }
        }
    }
}
