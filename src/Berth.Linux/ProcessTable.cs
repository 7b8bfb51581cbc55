using System.Globalization;

namespace Berth.Linux;

/// <summary>
/// Processes as /proc shows them in this pid namespace. A process can exit between any two
/// reads, so every query treats "vanished" as an answer (not alive, no parent) rather than an
/// error.
/// </summary>
public static class ProcessTable
{
    /// <summary>Running or sleeping: exists and is neither a zombie nor dead. A zombie still
    /// answers kill(pid, 0), which is why this reads the state instead.</summary>
    public static bool IsAlive(int pid) => StateOf(pid) is { } state && state is not ('Z' or 'X' or 'x');

    /// <summary>The state letter of /proc/&lt;pid&gt;/stat (R, S, D, T, Z, ...), null when gone.</summary>
    public static char? StateOf(int pid) => Stat(pid)?.State;

    public static int? ParentOf(int pid) => Stat(pid)?.ParentPid;

    public static IReadOnlyList<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && Stat(candidate)?.ParentPid == pid)
            {
                children.Add(candidate);
            }
        }

        children.Sort();
        return children;
    }

    /// <summary>When the process started, in clock ticks since boot (stat field 22): with the pid
    /// it names one process for good, so a reused pid is not mistaken for a container.</summary>
    public static ulong? StartTimeOf(int pid) => Stat(pid)?.StartTime;

    /// <summary>The kernel's PF_EXITING: the task is in do_exit, tearing down its namespaces,
    /// before it becomes a zombie.</summary>
    private const uint PfExiting = 0x4;

    /// <summary>Gone, a zombie, or already in its exit path (its namespace links may be gone).</summary>
    public static bool IsExiting(int pid) => Stat(pid) is not { } stat || stat.State is 'Z' or 'X' or 'x' || (stat.Flags & PfExiting) != 0;

    internal readonly record struct ProcStat(char State, int ParentPid, ulong StartTime, uint Flags = 0);

    /// <summary>"pid (comm) S ppid ...": comm may hold spaces and parentheses, so the fields
    /// after it are found from the last ')'.</summary>
    internal static ProcStat? ParseStat(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 2 || fields[0].Length != 1)
        {
            return null;
        }

        // Field 22 (starttime) is the 20th after the comm's closing parenthesis.
        var startTime = fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var st) ? st : 0;

        // Field 9 (flags) is the 7th after it.
        var flags = fields.Length > 6 && uint.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f : 0;
        return int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ppid)
            ? new ProcStat(fields[0][0], ppid, startTime, flags)
            : null;
    }

    private static ProcStat? Stat(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        try
        {
            return ParseStat(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }
}
