using System.Globalization;
using System.Text;

namespace Berth.Linux;

/// <summary>One line of /proc/&lt;pid&gt;/mountinfo (proc(5)), with escapes undone.</summary>
public sealed record MountEntry(
    int Id,
    int ParentId,
    string Root,
    string MountPoint,
    string MountOptions,
    string FileSystemType,
    string Source,
    string SuperOptions);

/// <summary>Reads the mount table of this process's mount namespace.</summary>
public static class MountInfo
{
    public const string SelfPath = "/proc/self/mountinfo";

    public static IReadOnlyList<MountEntry> Read(string path = SelfPath) => Parse(File.ReadAllText(path));

    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Optional fields (shared:N, master:N) vary in number; " - " ends them.
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 7 || separator < 0 || fields.Length < separator + 4)
            {
                throw new InvalidDataException($"mountinfo line has too few fields: {line}");
            }

            entries.Add(new MountEntry(
                Id: int.Parse(fields[0], CultureInfo.InvariantCulture),
                ParentId: int.Parse(fields[1], CultureInfo.InvariantCulture),
                Root: Unescape(fields[3]),
                MountPoint: Unescape(fields[4]),
                MountOptions: fields[5],
                FileSystemType: fields[separator + 1],
                Source: Unescape(fields[separator + 2]),
                SuperOptions: fields[separator + 3]));
        }

        return entries;
    }

    /// <summary>
    /// The kernel writes space, tab, newline and backslash in paths as octal escapes
    /// (\040 \011 \012 \134) so that fields stay space-separated.
    /// </summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        var raw = Encoding.UTF8.GetBytes(field);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
