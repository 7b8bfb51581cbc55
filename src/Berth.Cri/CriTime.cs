namespace Berth.Cri;

/// <summary>CRI times are int64 nanoseconds since the Unix epoch; zero means "not yet".</summary>
internal static class CriTime
{
    private const long NanosecondsPerTick = 100;

    public static long Nanoseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosecondsPerTick;

    public static long Nanoseconds(DateTimeOffset? time) => time is { } t ? Nanoseconds(t) : 0;

    public static long Now() => Nanoseconds(DateTimeOffset.UtcNow);
}
