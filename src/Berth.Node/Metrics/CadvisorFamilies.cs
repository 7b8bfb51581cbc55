using Prometheus;

namespace Berth.Node.Metrics;

/// <summary>
/// cAdvisor's container_* metric families (names, help, units and extra labels as in cAdvisor's
/// metrics/prometheus.go), created on one registry. Every family carries the label set the
/// kubelet's embedded cAdvisor uses: container, id, image, name, namespace, pod.
/// </summary>
internal sealed class CadvisorFamilies
{
    public static readonly string[] BaseLabels = ["container", "id", "image", "name", "namespace", "pod"];

    public CadvisorFamilies(IMetricFactory factory)
    {
        Counter C(string name, string help, params string[] extra) =>
            factory.CreateCounter(name, help, [.. BaseLabels, .. extra]);
        Gauge G(string name, string help, params string[] extra) =>
            factory.CreateGauge(name, help, [.. BaseLabels, .. extra]);

        CpuUsage = C("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", "cpu");
        CpuUser = C("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.");
        CpuSystem = C("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.");
        CfsPeriods = C("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.");
        CfsThrottledPeriods = C("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.");
        CfsThrottledSeconds = C("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.");
        MemoryUsage = G("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed");
        MemoryWorkingSet = G("container_memory_working_set_bytes", "Current working set in bytes.");
        MemoryRss = G("container_memory_rss", "Size of RSS in bytes.");
        MemoryCache = G("container_memory_cache", "Number of bytes of page cache memory.");
        MemorySwap = G("container_memory_swap", "Container swap usage in bytes.");
        MemoryFailures = C("container_memory_failures_total", "Cumulative count of memory allocation failures.", "failure_type", "scope");
        OomEvents = C("container_oom_events_total", "Count of out of memory events observed for the container");
        SpecMemoryLimit = G("container_spec_memory_limit_bytes", "Memory limit for the container.");
        SpecCpuShares = G("container_spec_cpu_shares", "CPU share of the container.");
        SpecCpuQuota = G("container_spec_cpu_quota", "CPU quota of the container.");
        SpecCpuPeriod = G("container_spec_cpu_period", "CPU period of the container.");
        Processes = G("container_processes", "Number of processes running inside the container.");
        Threads = G("container_threads", "Number of threads running inside the container");
        FsUsage = G("container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", "device");
        StartTime = G("container_start_time_seconds", "Start time of the container since unix epoch in seconds.");
        NetworkReceiveBytes = C("container_network_receive_bytes_total", "Cumulative count of bytes received", "interface");
        NetworkReceivePackets = C("container_network_receive_packets_total", "Cumulative count of packets received", "interface");
        NetworkReceiveErrors = C("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", "interface");
        NetworkReceiveDropped = C("container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", "interface");
        NetworkTransmitBytes = C("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", "interface");
        NetworkTransmitPackets = C("container_network_transmit_packets_total", "Cumulative count of packets transmitted", "interface");
        NetworkTransmitErrors = C("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", "interface");
        NetworkTransmitDropped = C("container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", "interface");

        // KEP-4205: "some" is time tasks waited, "full" time no task could make progress.
        foreach (var resource in new[] { "cpu", "memory", "io" })
        {
            var what = resource == "io" ? "IO" : resource == "cpu" ? "CPU" : resource;
            PressureWaiting[resource] = C($"container_pressure_{resource}_waiting_seconds_total", $"Total time duration tasks in the container have waited due to {what} congestion.");
            PressureStalled[resource] = C($"container_pressure_{resource}_stalled_seconds_total", $"Total time duration no tasks in the container could make progress due to {what} congestion.");
        }
    }

    public Counter CpuUsage { get; }

    public Counter CpuUser { get; }

    public Counter CpuSystem { get; }

    public Counter CfsPeriods { get; }

    public Counter CfsThrottledPeriods { get; }

    public Counter CfsThrottledSeconds { get; }

    public Gauge MemoryUsage { get; }

    public Gauge MemoryWorkingSet { get; }

    public Gauge MemoryRss { get; }

    public Gauge MemoryCache { get; }

    public Gauge MemorySwap { get; }

    public Counter MemoryFailures { get; }

    public Counter OomEvents { get; }

    public Gauge SpecMemoryLimit { get; }

    public Gauge SpecCpuShares { get; }

    public Gauge SpecCpuQuota { get; }

    public Gauge SpecCpuPeriod { get; }

    public Gauge Processes { get; }

    public Gauge Threads { get; }

    public Gauge FsUsage { get; }

    public Gauge StartTime { get; }

    public Counter NetworkReceiveBytes { get; }

    public Counter NetworkReceivePackets { get; }

    public Counter NetworkReceiveErrors { get; }

    public Counter NetworkReceiveDropped { get; }

    public Counter NetworkTransmitBytes { get; }

    public Counter NetworkTransmitPackets { get; }

    public Counter NetworkTransmitErrors { get; }

    public Counter NetworkTransmitDropped { get; }

    public Dictionary<string, Counter> PressureWaiting { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Counter> PressureStalled { get; } = new(StringComparer.Ordinal);
}
