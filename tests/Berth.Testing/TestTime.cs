using System.Globalization;

namespace Berth.Testing;

/// <summary>
/// Test waits, stretched by BERTH_TEST_SLOWDOWN (default 1). The cgroup v2 lane runs the same
/// tests in a TCG guest that is 7-50 times slower than this host (scripts/test-v2 sets it); what
/// a test asserts does not change, only how long it waits for it.
/// </summary>
public static class TestTime
{
    public static readonly double Slowdown =
        double.TryParse(Environment.GetEnvironmentVariable("BERTH_TEST_SLOWDOWN"), NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor >= 1 ? factor : 1;

    public static TimeSpan Scaled(TimeSpan wait) => wait * Slowdown;

    public static TimeSpan Seconds(double seconds) => Scaled(TimeSpan.FromSeconds(seconds));
}
