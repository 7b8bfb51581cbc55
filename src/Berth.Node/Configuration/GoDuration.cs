using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Node.Configuration;

/// <summary>Durations as Go's time.ParseDuration reads them and metav1.Duration writes them
/// in a KubeletConfiguration: "300ms", "1m30s", "5m0s", "2h".</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?:(?<n>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?<u>ns|us|µs|ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is "0")
        {
            return true;
        }

        var match = Grammar().Match(text ?? "");
        if (!match.Success)
        {
            return false;
        }

        var ticks = 0m;
        for (var i = 0; i < match.Groups["n"].Captures.Count; i++)
        {
            var number = decimal.Parse(match.Groups["n"].Captures[i].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            ticks += number * match.Groups["u"].Captures[i].Value switch
            {
                "ns" => 0.01m,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    /// <summary>As Go prints a duration: "1h2m3s", "5m0s", "1.5s", "0s".</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var text = "";
        if (duration.TotalHours >= 1)
        {
            text += $"{(long)duration.TotalHours}h";
        }

        if (duration.TotalMinutes >= 1)
        {
            text += $"{duration.Minutes}m";
        }

        var seconds = duration.Seconds + (duration.Ticks % TimeSpan.TicksPerSecond / (decimal)TimeSpan.TicksPerSecond);
        return text + seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }
}
