using Berth.Core.Capacity;
using Berth.Core.Eviction;

namespace Berth.Core.Tests.Eviction;

/// <summary>Short builders for eviction tests: thresholds from flag text, observations by signal.</summary>
internal static class Observe
{
    public const long Mi = 1024L * 1024;
    public const long Gi = 1024L * Mi;

    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Thresholds in the --eviction-hard form, "memory.available&lt;100Mi,nodefs.available&lt;10%".</summary>
    public static IReadOnlyList<EvictionThreshold> Levels(string text)
    {
        var errors = new List<string>();
        var levels = EvictionThresholds.ParseFlag(text, "--eviction-hard", errors);
        Assert.Empty(errors);
        return levels;
    }

    public static EvictionThreshold Level(string text) => Levels(text).Single();

    public static SignalThreshold Hard(string text, string? minimumReclaim = null) =>
        new(Level(text), TimeSpan.Zero, minimumReclaim is null ? null : Level(minimumReclaim));

    public static SignalThreshold Soft(string text, TimeSpan grace) => new(Level(text), grace);

    public static Dictionary<string, SignalObservation> Signals(params (string Signal, long Available, long Capacity)[] observations) =>
        observations.ToDictionary(o => o.Signal, o => new SignalObservation(o.Available, o.Capacity));

    public static Dictionary<string, SignalObservation> Memory(long available, long capacity = 8 * Gi) =>
        Signals((EvictionThresholds.MemoryAvailable, available, capacity));
}
