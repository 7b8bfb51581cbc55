using System.Globalization;

namespace Berth.Linux;

/// <summary>Signal names and numbers as the kernel defines them on x86-64 and arm64 (signal(7)).</summary>
public static class Signals
{
    public const int Term = 15;
    public const int Kill = 9;

    private const int RtMin = 34;
    private const int RtMax = 64;

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["HUP"] = 1,
        ["INT"] = 2,
        ["QUIT"] = 3,
        ["ILL"] = 4,
        ["TRAP"] = 5,
        ["ABRT"] = 6,
        ["IOT"] = 6,
        ["BUS"] = 7,
        ["FPE"] = 8,
        ["KILL"] = 9,
        ["USR1"] = 10,
        ["SEGV"] = 11,
        ["USR2"] = 12,
        ["PIPE"] = 13,
        ["ALRM"] = 14,
        ["TERM"] = 15,
        ["STKFLT"] = 16,
        ["CHLD"] = 17,
        ["CLD"] = 17,
        ["CONT"] = 18,
        ["STOP"] = 19,
        ["TSTP"] = 20,
        ["TTIN"] = 21,
        ["TTOU"] = 22,
        ["URG"] = 23,
        ["XCPU"] = 24,
        ["XFSZ"] = 25,
        ["VTALRM"] = 26,
        ["PROF"] = 27,
        ["WINCH"] = 28,
        ["IO"] = 29,
        ["POLL"] = 29,
        ["PWR"] = 30,
        ["SYS"] = 31,
        ["RTMIN"] = RtMin,
        ["RTMAX"] = RtMax,
    };

    /// <summary>kill(2); false when the process is gone (or not ours to signal).</summary>
    public static bool Send(int pid, int signal) => pid > 0 && Libc.Kill(pid, signal) == 0;

    /// <summary>"SIGTERM", "TERM", "15", "SIGRTMIN+3" or "SIGRTMAX-2" (any case) → its number.</summary>
    /// <exception cref="FormatException">Not a signal.</exception>
    public static int Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.Trim().ToUpperInvariant();
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= RtMax)
        {
            return number;
        }

        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }

        if (Numbers.TryGetValue(name, out number))
        {
            return number;
        }

        foreach (var (prefix, sign, anchor) in new[] { ("RTMIN+", 1, RtMin), ("RTMAX-", -1, RtMax) })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(name[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                && anchor + (sign * offset) is >= RtMin and <= RtMax)
            {
                return anchor + (sign * offset);
            }
        }

        throw new FormatException($"\"{text}\" is not a signal");
    }
}
