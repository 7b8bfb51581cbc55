using System.Globalization;

namespace Berth.Linux;

/// <summary>One interface's cumulative counters from /proc/net/dev, as the kubelet's
/// InterfaceStats and cAdvisor's container_network_* metrics carry them.</summary>
public sealed record InterfaceStats(
    string Name,
    ulong RxBytes,
    ulong RxPackets,
    ulong RxErrors,
    ulong RxDropped,
    ulong TxBytes,
    ulong TxPackets,
    ulong TxErrors,
    ulong TxDropped);

/// <summary>
/// Reads a network namespace's interface counters from /proc/&lt;pid&gt;/net/dev, which shows the
/// namespace of that process: the pod's infra process stands for the whole pod.
/// </summary>
public static class NetworkDevices
{
    /// <summary>cAdvisor leaves out interfaces with these prefixes (loopback, the host ends of
    /// veth pairs, docker and nerdctl bridges): libcontainer handler.go, ignoredDevicePrefixes.</summary>
    public static readonly IReadOnlyList<string> IgnoredPrefixes = ["lo", "veth", "docker", "nerdctl"];

    /// <summary>The counters of every interface not ignored, in file order; null when the
    /// process is gone.</summary>
    public static IReadOnlyList<InterfaceStats>? Read(int pid, string procRoot = "/proc")
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Join(procRoot, pid.ToString(CultureInfo.InvariantCulture), "net", "dev"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // A process that exits while we read leaves ESRCH behind.
            return null;
        }

        return [.. Parse(text).Where(i => !IsIgnored(i.Name))];
    }

    public static bool IsIgnored(string name) => IgnoredPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    /// <summary>
    /// Parses the kernel's table (net/core/net-procfs.c): two header lines, then
    /// "name: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs
    /// drop fifo colls carrier compressed". Old kernels print no space after the colon once the
    /// byte count is wide. Throws <see cref="FormatException"/> naming the bad line.
    /// </summary>
    public static IReadOnlyList<InterfaceStats> Parse(string text)
    {
        var interfaces = new List<InterfaceStats>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || line.Contains('|', StringComparison.Ordinal))
            {
                continue; // the two header lines
            }

            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (colon == 0 || fields.Length < 16)
            {
                throw new FormatException($"net/dev line '{line}' does not have a name and 16 counters");
            }

            var counters = new ulong[16];
            for (var i = 0; i < counters.Length; i++)
            {
                counters[i] = ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n : throw new FormatException($"net/dev counter '{fields[i]}' in '{line}' is not a count");
            }

            interfaces.Add(new InterfaceStats(
                line[..colon].Trim(),
                RxBytes: counters[0],
                RxPackets: counters[1],
                RxErrors: counters[2],
                RxDropped: counters[3],
                TxBytes: counters[8],
                TxPackets: counters[9],
                TxErrors: counters[10],
                TxDropped: counters[11]));
        }

        return interfaces;
    }
}
