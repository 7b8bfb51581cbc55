namespace Berth.Core.Eviction;

/// <summary>
/// One observation of an eviction signal (the kubelet's signalObservation): what is available and
/// the capacity, in bytes for memory and filesystems, in inodes or process ids for the others, and
/// when the statistics behind it were taken (null when the source gives no time).
/// </summary>
public sealed record SignalObservation(long Available, long Capacity, DateTimeOffset? Time = null);
