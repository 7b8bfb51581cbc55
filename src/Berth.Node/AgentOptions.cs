using Berth.Images;
using Berth.Runtime;
using Berth.Runtime.Pods;

namespace Berth.Node;

/// <summary>The agent's settings: the runtime's plus where it listens.</summary>
public sealed record AgentOptions
{
    public RuntimeOptions Runtime { get; init; } = new();

    public LifecycleOptions Lifecycle { get; init; } = new();

    /// <summary>Registry mirrors, insecure registries and credentials; the root is the runtime's images dir.</summary>
    public ImageStoreOptions Images { get; init; } = new();

    public string Socket { get; init; } = "/run/berth/berth.sock";

    /// <summary>The streaming server's address (exec and port-forward URLs): loopback, port 0
    /// for one the kernel picks, as containerd's default is.</summary>
    public System.Net.IPEndPoint StreamingAddress { get; init; } = new(System.Net.IPAddress.Loopback, 0);

    /// <summary>How long <c>play</c> waits for a pod to run or fail by default.</summary>
    public TimeSpan PlayTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>kubelet's imageGCHighThresholdPercent: disk usage that starts image GC.</summary>
    public int ImageGcHighThresholdPercent { get; init; } = 85;

    /// <summary>kubelet's imageGCLowThresholdPercent: where image GC stops.</summary>
    public int ImageGcLowThresholdPercent { get; init; } = 80;

    public TimeSpan ImageGcPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Where /metrics/cadvisor, /metrics/resource, /stats/summary and /metrics are
    /// served over plain HTTP; null (the default) serves none of them.</summary>
    public System.Net.IPEndPoint? MetricsAddress { get; init; }

    /// <summary>How often the node's stats are read (cAdvisor's housekeeping interval, 10 s in
    /// the kubelet) and the eviction manager looks at them (the kubelet's monitoring period,
    /// also 10 s).</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromSeconds(10);

    public string LockFile => Path.Combine(Runtime.Root, "agent.lock");
}
