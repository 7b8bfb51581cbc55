namespace Berth.Node.Metrics;

/// <summary>Counter (only ever grows) or gauge, as Prometheus and CRI's MetricType both have it.</summary>
internal enum CadvisorMetricType
{
    Counter,
    Gauge,
}

/// <summary>One cAdvisor family: name, help, type and the labels after the base set.</summary>
internal sealed record CadvisorFamily(string Name, string Help, CadvisorMetricType Type, IReadOnlyList<string> ExtraLabels)
{
    /// <summary>The base labels, then the extras: the order label values come in.</summary>
    public IReadOnlyList<string> LabelKeys { get; } = [.. CadvisorCatalog.BaseLabels, .. ExtraLabels];
}

/// <summary>
/// cAdvisor's container_* families (names, help, units and extra labels as in cAdvisor's
/// metrics/prometheus.go), one catalog for every way Berth exports them: /metrics/cadvisor and
/// CRI's ListMetricDescriptors / ListPodSandboxMetrics. Every family carries the label set the
/// kubelet's embedded cAdvisor uses: container, id, image, name, namespace, pod.
/// </summary>
internal static class CadvisorCatalog
{
    public static readonly IReadOnlyList<string> BaseLabels = ["container", "id", "image", "name", "namespace", "pod"];

    public static readonly CadvisorFamily CpuUsage = Counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", "cpu");
    public static readonly CadvisorFamily CpuUser = Counter("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.");
    public static readonly CadvisorFamily CpuSystem = Counter("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.");
    public static readonly CadvisorFamily CfsPeriods = Counter("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.");
    public static readonly CadvisorFamily CfsThrottledPeriods = Counter("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.");
    public static readonly CadvisorFamily CfsThrottledSeconds = Counter("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.");
    public static readonly CadvisorFamily MemoryUsage = Gauge("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed");
    public static readonly CadvisorFamily MemoryWorkingSet = Gauge("container_memory_working_set_bytes", "Current working set in bytes.");
    public static readonly CadvisorFamily MemoryRss = Gauge("container_memory_rss", "Size of RSS in bytes.");
    public static readonly CadvisorFamily MemoryCache = Gauge("container_memory_cache", "Number of bytes of page cache memory.");
    public static readonly CadvisorFamily MemorySwap = Gauge("container_memory_swap", "Container swap usage in bytes.");
    public static readonly CadvisorFamily MemoryFailures = Counter("container_memory_failures_total", "Cumulative count of memory allocation failures.", "failure_type", "scope");
    public static readonly CadvisorFamily OomEvents = Counter("container_oom_events_total", "Count of out of memory events observed for the container");
    public static readonly CadvisorFamily SpecMemoryLimit = Gauge("container_spec_memory_limit_bytes", "Memory limit for the container.");
    public static readonly CadvisorFamily SpecCpuShares = Gauge("container_spec_cpu_shares", "CPU share of the container.");
    public static readonly CadvisorFamily SpecCpuQuota = Gauge("container_spec_cpu_quota", "CPU quota of the container.");
    public static readonly CadvisorFamily SpecCpuPeriod = Gauge("container_spec_cpu_period", "CPU period of the container.");
    public static readonly CadvisorFamily Processes = Gauge("container_processes", "Number of processes running inside the container.");
    public static readonly CadvisorFamily Threads = Gauge("container_threads", "Number of threads running inside the container");
    public static readonly CadvisorFamily FileDescriptors = Gauge("container_file_descriptors", "Number of open file descriptors for the container.");
    public static readonly CadvisorFamily FsUsage = Gauge("container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", "device");
    public static readonly CadvisorFamily StartTime = Gauge("container_start_time_seconds", "Start time of the container since unix epoch in seconds.");
    public static readonly CadvisorFamily NetworkReceiveBytes = Counter("container_network_receive_bytes_total", "Cumulative count of bytes received", "interface");
    public static readonly CadvisorFamily NetworkReceivePackets = Counter("container_network_receive_packets_total", "Cumulative count of packets received", "interface");
    public static readonly CadvisorFamily NetworkReceiveErrors = Counter("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", "interface");
    public static readonly CadvisorFamily NetworkReceiveDropped = Counter("container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", "interface");
    public static readonly CadvisorFamily NetworkTransmitBytes = Counter("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", "interface");
    public static readonly CadvisorFamily NetworkTransmitPackets = Counter("container_network_transmit_packets_total", "Cumulative count of packets transmitted", "interface");
    public static readonly CadvisorFamily NetworkTransmitErrors = Counter("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", "interface");
    public static readonly CadvisorFamily NetworkTransmitDropped = Counter("container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", "interface");

    /// <summary>KEP-4205: "some" is time tasks waited, by resource (cpu, memory, io).</summary>
    public static readonly IReadOnlyDictionary<string, CadvisorFamily> PressureWaiting = Pressure("waiting", "tasks in the container have waited");

    /// <summary>KEP-4205: "full" is time no task could make progress, by resource.</summary>
    public static readonly IReadOnlyDictionary<string, CadvisorFamily> PressureStalled = Pressure("stalled", "no tasks in the container could make progress");

    /// <summary>Every family, in the order /metrics/cadvisor registers them.</summary>
    public static readonly IReadOnlyList<CadvisorFamily> All =
    [
        CpuUsage, CpuUser, CpuSystem, CfsPeriods, CfsThrottledPeriods, CfsThrottledSeconds,
        MemoryUsage, MemoryWorkingSet, MemoryRss, MemoryCache, MemorySwap, MemoryFailures, OomEvents,
        SpecMemoryLimit, SpecCpuShares, SpecCpuQuota, SpecCpuPeriod, Processes, Threads, FileDescriptors, FsUsage, StartTime,
        NetworkReceiveBytes, NetworkReceivePackets, NetworkReceiveErrors, NetworkReceiveDropped,
        NetworkTransmitBytes, NetworkTransmitPackets, NetworkTransmitErrors, NetworkTransmitDropped,
        .. PressureResources.SelectMany(r => new[] { PressureWaiting[r], PressureStalled[r] }),
    ];

    private static IReadOnlyList<string> PressureResources => ["cpu", "memory", "io"];

    private static CadvisorFamily Counter(string name, string help, params string[] extra) => new(name, help, CadvisorMetricType.Counter, extra);

    private static CadvisorFamily Gauge(string name, string help, params string[] extra) => new(name, help, CadvisorMetricType.Gauge, extra);

    private static Dictionary<string, CadvisorFamily> Pressure(string kind, string who) => PressureResources.ToDictionary(
        r => r,
        r => Counter($"container_pressure_{r}_{kind}_seconds_total", $"Total time duration {who} due to {(r == "memory" ? r : r.ToUpperInvariant())} congestion."),
        StringComparer.Ordinal);
}
