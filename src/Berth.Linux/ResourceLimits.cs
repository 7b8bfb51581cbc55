namespace Berth.Linux;

/// <summary>This process's resource limits, as /proc/self/limits reports them.</summary>
public static class ResourceLimits
{
    /// <summary>The hard RLIMIT_NOFILE, which containers inherit as their ceiling; 1024 when it
    /// cannot be read.</summary>
    public static ulong HardNofile() => HardNofileOf(File.ReadLines("/proc/self/limits"));

    /// <summary>"Max open files  1024  20000  files": the hard limit is the fifth field.</summary>
    public static ulong HardNofileOf(IEnumerable<string> limits)
    {
        var line = limits.FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 5 } && ulong.TryParse(fields[4], out var hard) ? hard : 1024;
    }
}
