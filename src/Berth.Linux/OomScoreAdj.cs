using System.Globalization;

namespace Berth.Linux;

/// <summary>
/// /proc/&lt;pid&gt;/oom_score_adj as this host allows it. Lowering the value below what the
/// process already has needs CAP_SYS_RESOURCE; without it the kernel refuses with EACCES, so
/// callers ask <see cref="Clamp(int)"/> for the value they can actually get (and log once).
/// </summary>
public static class OomScoreAdj
{
    public const int Min = -1000;
    public const int Max = 1000;

    /// <summary>Bit of CAP_SYS_RESOURCE in the capability sets (linux/capability.h).</summary>
    internal const int CapSysResource = 24;

    public static int Current() => Current("self");

    public static int Current(int pid) => Current(pid.ToString(CultureInfo.InvariantCulture));

    /// <summary><paramref name="desired"/> limited to what this process may set: never below its
    /// own current value when it lacks CAP_SYS_RESOURCE.</summary>
    public static int Clamp(int desired) => Clamp(desired, Current(), HasCapSysResource());

    internal static int Clamp(int desired, int current, bool capSysResource)
    {
        var bounded = Math.Clamp(desired, Min, Max);
        return capSysResource ? bounded : Math.Max(bounded, current);
    }

    /// <summary>Whether CAP_SYS_RESOURCE is in this process's effective set (CapEff in
    /// /proc/self/status).</summary>
    public static bool HasCapSysResource() => HasCapability(File.ReadAllText("/proc/self/status"), CapSysResource);

    internal static bool HasCapability(string status, int bit)
    {
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                var mask = ulong.Parse(line.AsSpan("CapEff:".Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                return (mask & (1UL << bit)) != 0;
            }
        }

        throw new InvalidDataException("process status has no CapEff line");
    }

    private static int Current(string pid) =>
        int.Parse(File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
