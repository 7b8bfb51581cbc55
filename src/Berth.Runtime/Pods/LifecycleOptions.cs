using Berth.Core.Lifecycle;

namespace Berth.Runtime.Pods;

/// <summary>The kubelet's lifecycle timings; agent settings so tests can run them fast.</summary>
public sealed record LifecycleOptions
{
    /// <summary>CrashLoopBackOff's first delay (kubelet: 10 s), doubled after each crash.</summary>
    public TimeSpan BackoffBase { get; init; } = CrashLoopBackOff.Kubelet.Initial;

    /// <summary>CrashLoopBackOff's cap (kubelet: 300 s).</summary>
    public TimeSpan BackoffMax { get; init; } = CrashLoopBackOff.Kubelet.Max;

    /// <summary>A container that ran this long starts its back-off afresh (kubelet: 10 min).</summary>
    public TimeSpan BackoffReset { get; init; } = CrashLoopBackOff.Kubelet.Reset;

    /// <summary>The three timings as the back-off rule.</summary>
    public CrashLoopBackOff BackOff => new(BackoffBase, BackoffMax, BackoffReset);

    /// <summary>How often the supervisor looks at every pod.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Static pod manifests (kubelet's staticPodPath); null for none.</summary>
    public string? ManifestsDir { get; init; }

    /// <summary>Seccomp default and profile root, allowed unsafe sysctls.</summary>
    public NodeSecurityOptions Security { get; init; } = new();
}
