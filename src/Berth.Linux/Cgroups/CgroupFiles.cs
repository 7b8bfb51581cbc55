using System.Globalization;
using System.Text;

namespace Berth.Linux.Cgroups;

/// <summary>
/// Reads and writes control files. A write opens with O_CREAT|O_TRUNC like a shell's "&gt;":
/// on cgroupfs the file always exists and the kernel takes the value from a single write(2);
/// on a fake tree (a plain directory in tests) the same call creates the file, so reading back
/// shows exactly what was written.
/// </summary>
internal static class CgroupFiles
{
    public static void Write(string directory, string file, string value)
    {
        var path = Path.Join(directory, file);
        try
        {
            // bufferSize 0: the bytes go to the kernel in one write, which cgroupfs needs.
            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            stream.Write(Encoding.ASCII.GetBytes(value));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"writing '{value}' to {path}: {e.Message}", e);
        }
    }

    public static void Write(string directory, string file, long value) =>
        Write(directory, file, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The trimmed content, or null when the file (or its cgroup) does not exist.</summary>
    public static string? Read(string directory, string file)
    {
        var path = Path.Join(directory, file);
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"reading {path}: {e.Message}", e);
        }
    }

    /// <summary>A numeric value; null when absent, empty or equal to <paramref name="unlimited"/>.</summary>
    public static long? ReadLong(string directory, string file, string? unlimited = null)
    {
        var text = Read(directory, file);
        return string.IsNullOrEmpty(text) || text == unlimited ? null : ParseLong(directory, file, text);
    }

    public static long ParseLong(string directory, string file, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CgroupException($"{Path.Join(directory, file)} holds '{text}', not a number");

    /// <summary>The value of one "key value" line of a flat-keyed file (memory.events,
    /// memory.oom_control, pids.events); 0 when the key or the file is missing.</summary>
    public static long FlatKey(string? content, string key)
    {
        foreach (var line in (content ?? "").Split('\n'))
        {
            var space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key) && long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return 0;
    }
}
