namespace Berth.Core.Lifecycle;

/// <summary>
/// CrashLoopBackOff as the kubelet runs it (pkg/kubelet/kuberuntime: initial 10 s, cap 300 s,
/// reset after a container ran 10 min): the first crash restarts at once, each later one waits
/// twice as long as the previous wait (initial, 2·initial, … up to the cap); a container that ran
/// at least <see cref="Reset"/> starts over.
/// </summary>
public sealed record CrashLoopBackOff(TimeSpan Initial, TimeSpan Max, TimeSpan Reset)
{
    public static CrashLoopBackOff Kubelet { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(300), TimeSpan.FromMinutes(10));

    /// <summary>How long to wait before restarting a container that ran for <paramref name="ran"/>,
    /// given the delay its restarts have reached (zero before the first crash).</summary>
    public TimeSpan Delay(TimeSpan reached, TimeSpan ran) => ran >= Reset ? TimeSpan.Zero : reached;

    /// <summary>The delay the next crash will wait, once a restart after <paramref name="delay"/> happened.</summary>
    public TimeSpan After(TimeSpan delay) =>
        delay == TimeSpan.Zero ? Initial : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Max.Ticks));
}
