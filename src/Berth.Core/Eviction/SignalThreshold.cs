using Berth.Core.Capacity;

namespace Berth.Core.Eviction;

/// <summary>
/// One threshold the eviction manager enforces (the kubelet's evictionapi.Threshold): the level of
/// its signal, the grace period it must be met for (zero for a hard threshold) and the minimum
/// reclaim (evictionMinimumReclaim) that keeps it met once it was.
/// </summary>
public sealed record SignalThreshold(EvictionThreshold Level, TimeSpan GracePeriod, EvictionThreshold? MinimumReclaim = null)
{
    public string Signal => Level.Signal;

    /// <summary>isHardEvictionThreshold: a threshold without a grace period.</summary>
    public bool IsHard => GracePeriod == TimeSpan.Zero;

    /// <summary>The threshold against a signal whose capacity is <paramref name="capacity"/>.</summary>
    public long QuantityFor(long capacity) => QuantityOf(Level, capacity);

    /// <summary>The level the signal must climb back to before a met threshold is resolved:
    /// the threshold plus the minimum reclaim (thresholdsMet with enforceMinReclaim).</summary>
    public long ResolvedAt(long capacity) => QuantityFor(capacity) + (MinimumReclaim is { } reclaim ? QuantityOf(reclaim, capacity) : 0);

    /// <summary>
    /// evictionapi.GetThresholdQuantity: an amount as is; a percentage as
    /// <c>int64(float64(capacity) * float64(percentage))</c>, the percentage held as a float32
    /// (parsePercentage: <c>float32(value) / 100</c>), so the product is truncated, not rounded.
    /// </summary>
    public static long QuantityOf(EvictionThreshold value, long capacity)
    {
        if (value.Amount is { } amount)
        {
            return amount;
        }

        var percentage = (float)(value.Fraction!.Value * 100) / 100f;
        return (long)(capacity * (double)percentage);
    }

    public override string ToString() => $"{Signal}<{Level}{(IsHard ? "" : $" for {GracePeriod}")}";
}
