using System.Globalization;

namespace Berth.Linux.Cgroups;

/// <summary>One line of a pressure file: the share of wall time in which some (or all) runnable
/// tasks stalled on the resource, averaged over 10, 60 and 300 seconds (percent), and the
/// cumulative stall time in microseconds.</summary>
public sealed record PressureLine(double Avg10, double Avg60, double Avg300, long TotalMicroseconds);

/// <summary>The "some" and "full" lines of one resource's pressure file. "full" is absent on
/// kernels before 5.13 for cpu.</summary>
public sealed record ResourcePressure(PressureLine Some, PressureLine? Full);

/// <summary>Pressure stall information (PSI) of one cgroup or of the node: cpu, memory and io,
/// each null when the kernel does not provide that file.</summary>
public sealed record PressureStats(ResourcePressure? Cpu, ResourcePressure? Memory, ResourcePressure? Io)
{
    /// <summary>The resources in the order the kernel documents them.</summary>
    public static readonly IReadOnlyList<string> Resources = ["cpu", "memory", "io"];

    /// <summary>Reads cpu.pressure, memory.pressure and io.pressure of a cgroup directory (or
    /// cpu, memory and io of /proc/pressure with <paramref name="suffix"/> ""). Null when none
    /// exists: the cgroup is gone, or PSI is off (psi=0).</summary>
    public static PressureStats? ReadDirectory(string directory, string suffix = ".pressure")
    {
        var cpu = ReadFile(Path.Join(directory, "cpu" + suffix));
        var memory = ReadFile(Path.Join(directory, "memory" + suffix));
        var io = ReadFile(Path.Join(directory, "io" + suffix));
        return cpu is null && memory is null && io is null ? null : new PressureStats(cpu, memory, io);
    }

    /// <summary>The node's own pressure, from /proc/pressure.</summary>
    public static PressureStats? ReadNode(string procPressure = "/proc/pressure") => ReadDirectory(procPressure, "");

    /// <summary>
    /// Parses the kernel's format: a "some" line and optionally a "full" line, each
    /// <c>avg10=0.00 avg60=0.00 avg300=0.00 total=0</c>. Throws <see cref="FormatException"/>
    /// naming what is wrong.
    /// </summary>
    public static ResourcePressure Parse(string text)
    {
        PressureLine? some = null;
        PressureLine? full = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var parsed = ParseLine(fields.AsSpan(1), line);
            switch (fields[0])
            {
                case "some": some = parsed; break;
                case "full": full = parsed; break;
                default: throw new FormatException($"pressure line '{line}' is neither 'some' nor 'full'");
            }
        }

        return new ResourcePressure(some ?? throw new FormatException("pressure text has no 'some' line"), full);
    }

    private static ResourcePressure? ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // psi=0 leaves the files in place but reading them fails with EOPNOTSUPP.
            return null;
        }

        return Parse(text);
    }

    private static PressureLine ParseLine(ReadOnlySpan<string> fields, string line)
    {
        double? avg10 = null, avg60 = null, avg300 = null;
        long? total = null;
        foreach (var field in fields)
        {
            var eq = field.IndexOf('=');
            if (eq <= 0)
            {
                throw new FormatException($"pressure field '{field}' in '{line}' is not key=value");
            }

            var value = field[(eq + 1)..];
            switch (field[..eq])
            {
                case "avg10": avg10 = Number(value, line); break;
                case "avg60": avg60 = Number(value, line); break;
                case "avg300": avg300 = Number(value, line); break;
                case "total":
                    total = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
                        ? t : throw new FormatException($"pressure total '{value}' in '{line}' is not a count");
                    break;
                default: break; // newer kernels may add fields
            }
        }

        return new PressureLine(
            avg10 ?? throw Missing("avg10", line),
            avg60 ?? throw Missing("avg60", line),
            avg300 ?? throw Missing("avg300", line),
            total ?? throw Missing("total", line));
    }

    private static double Number(string value, string line) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            ? number : throw new FormatException($"pressure average '{value}' in '{line}' is not a number");

    private static FormatException Missing(string key, string line) => new($"pressure line '{line}' has no {key}");
}
