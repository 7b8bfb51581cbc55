using Berth.Node.Metrics;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Metrics;

public class CadvisorMetricsTests
{
    private static readonly string[] BaseLabels = ["container", "id", "image", "name", "namespace", "pod"];

    private static Task<PrometheusText> Render() => PrometheusText.ExportAsync(CadvisorMetrics.Collect(Build()));

    [Fact]
    public async Task Every_family_is_a_cadvisor_name_with_its_type_and_the_kubelet_label_set()
    {
        var text = await Render();

        string[] counters =
        [
            "container_cpu_usage_seconds_total", "container_cpu_user_seconds_total", "container_cpu_system_seconds_total",
            "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_throttled_seconds_total",
            "container_memory_failures_total", "container_oom_events_total",
            "container_network_receive_bytes_total", "container_network_receive_packets_total",
            "container_network_receive_errors_total", "container_network_receive_packets_dropped_total",
            "container_network_transmit_bytes_total", "container_network_transmit_packets_total",
            "container_network_transmit_errors_total", "container_network_transmit_packets_dropped_total",
            "container_pressure_cpu_waiting_seconds_total", "container_pressure_cpu_stalled_seconds_total",
            "container_pressure_memory_waiting_seconds_total", "container_pressure_memory_stalled_seconds_total",
            "container_pressure_io_waiting_seconds_total",
        ];
        string[] gauges =
        [
            "container_memory_usage_bytes", "container_memory_working_set_bytes", "container_memory_rss", "container_memory_cache",
            "container_spec_memory_limit_bytes", "container_spec_cpu_shares", "container_spec_cpu_quota", "container_spec_cpu_period",
            "container_processes", "container_threads", "container_fs_usage_bytes", "container_start_time_seconds",
        ];
        foreach (var name in counters)
        {
            Assert.Equal("counter", text.Type[name]);
        }

        foreach (var name in gauges)
        {
            Assert.Equal("gauge", text.Type[name]);
        }

        Assert.All(text.Samples, s => Assert.Superset(BaseLabels.ToHashSet(), s.Labels.Keys.ToHashSet()));
        Assert.All(text.Samples, s => Assert.StartsWith("container_", s.Name, StringComparison.Ordinal));
        Assert.Contains("throttled", text.Help["container_cpu_cfs_throttled_seconds_total"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Node_root_pod_and_container_carry_cadvisor_labels()
    {
        var text = await Render();

        var root = text.Single("container_memory_working_set_bytes", "id=/");
        Assert.Equal(2_000_000_000, root.Value);
        Assert.All(["container", "image", "name", "namespace", "pod"], l => Assert.Equal("", root[l]));

        var pod = text.Single("container_memory_working_set_bytes", "id=" + PodCgroup);
        Assert.Equal(("", "", "", "shop", "web"), (pod["container"], pod["image"], pod["name"], pod["namespace"], pod["pod"]));

        var container = text.Single("container_memory_working_set_bytes", "container=nginx");
        Assert.Equal(ContainerCgroup, container["id"]);
        Assert.Equal("docker.io/library/nginx:1.27", container["image"]);
        Assert.Equal(ContainerId, container["name"]);
        Assert.Equal(("shop", "web"), (container["namespace"], container["pod"]));
        Assert.Equal(5_000_000, container.Value);

        var system = text.Single("container_cpu_usage_seconds_total", "id=/system.slice/berth.service");
        Assert.Equal(7, system.Value);
    }

    [Fact]
    public async Task Cpu_counters_are_seconds_and_usage_has_cpu_total()
    {
        var text = await Render();

        Assert.Equal(3, text.Value("container_cpu_usage_seconds_total", "container=nginx", "cpu=total"));
        Assert.Equal(4, text.Value("container_cpu_usage_seconds_total", "id=" + PodCgroup, "cpu=total"));
        Assert.Equal(2, text.Value("container_cpu_user_seconds_total", "container=nginx"));
        Assert.Equal(0.5, text.Value("container_cpu_system_seconds_total", "container=nginx"));
        Assert.Equal(120, text.Value("container_cpu_cfs_periods_total", "container=nginx"));
        Assert.Equal(12, text.Value("container_cpu_cfs_throttled_periods_total", "container=nginx"));
        Assert.Equal(0.25, text.Value("container_cpu_cfs_throttled_seconds_total", "container=nginx"));
    }

    [Fact]
    public async Task Pressure_totals_turn_microseconds_into_seconds_some_waiting_full_stalled()
    {
        var text = await Render();

        Assert.Equal(1.5, text.Value("container_pressure_cpu_waiting_seconds_total", "container=nginx"));
        Assert.Equal(0.25, text.Value("container_pressure_cpu_stalled_seconds_total", "container=nginx"));
        Assert.Equal(2, text.Value("container_pressure_memory_waiting_seconds_total", "id=" + PodCgroup));
        Assert.Equal(1, text.Value("container_pressure_memory_stalled_seconds_total", "id=/"));
        Assert.Equal(3, text.Value("container_pressure_io_waiting_seconds_total", "container=nginx"));
        // The io file in the sample has no "full" line: no stalled series rather than a zero.
        Assert.Empty(text.All("container_pressure_io_stalled_seconds_total"));
        // The system container has no PSI at all.
        Assert.Empty(text.All("container_pressure_cpu_waiting_seconds_total", "id=/system.slice/berth.service"));
    }

    [Fact]
    public async Task Memory_gauges_failures_by_type_and_scope_and_oom_events()
    {
        var text = await Render();

        Assert.Equal(5_000_100, text.Value("container_memory_usage_bytes", "container=nginx"));
        Assert.Equal(700, text.Value("container_memory_rss", "container=nginx"));
        Assert.Equal(300, text.Value("container_memory_cache", "container=nginx"));
        Assert.Equal(30, text.Value("container_memory_failures_total", "container=nginx", "failure_type=pgfault", "scope=container"));
        Assert.Equal(3, text.Value("container_memory_failures_total", "container=nginx", "failure_type=pgmajfault", "scope=container"));
        Assert.Equal(40, text.Value("container_memory_failures_total", "container=nginx", "failure_type=pgfault", "scope=hierarchy"));
        Assert.Equal(4, text.Value("container_memory_failures_total", "container=nginx", "failure_type=pgmajfault", "scope=hierarchy"));
        Assert.Equal(1, text.Value("container_oom_events_total", "container=nginx"));
        Assert.Equal(2, text.Value("container_processes", "container=nginx"));
        Assert.Equal(9, text.Value("container_threads", "container=nginx"));
    }

    [Fact]
    public async Task Spec_start_time_and_writable_layer()
    {
        var text = await Render();

        Assert.Equal(512, text.Value("container_spec_cpu_shares", "container=nginx"));
        Assert.Equal(50_000, text.Value("container_spec_cpu_quota", "container=nginx"));
        Assert.Equal(100_000, text.Value("container_spec_cpu_period", "container=nginx"));
        Assert.Equal(134_217_728, text.Value("container_spec_memory_limit_bytes", "container=nginx"));
        Assert.Equal(ContainerStart.ToUnixTimeMilliseconds() / 1000.0, text.Value("container_start_time_seconds", "container=nginx"));
        Assert.Equal(8192, text.Value("container_fs_usage_bytes", "container=nginx", "device=/dev/sda1"));
    }

    [Fact]
    public async Task An_unlimited_container_has_memory_limit_zero_and_no_quota_or_period()
    {
        var snapshot = Build();
        var pod = snapshot.Pods[0];
        var container = pod.Containers[0] with { Spec = new(CpuShares: 2, CpuQuota: null, CpuPeriod: 100_000, MemoryLimit: null) };
        snapshot = snapshot with { Pods = [pod with { Containers = [container] }] };

        var text = await PrometheusText.ExportAsync(CadvisorMetrics.Collect(snapshot));

        Assert.Equal(0, text.Value("container_spec_memory_limit_bytes", "container=nginx"));
        Assert.Empty(text.All("container_spec_cpu_quota"));
        Assert.Equal(2, text.Value("container_spec_cpu_shares", "container=nginx"));
    }

    [Fact]
    public async Task Network_counters_per_interface_on_the_pod_cgroup()
    {
        var text = await Render();

        string[] pod = ["id=" + PodCgroup, "interface=eth0", "container="];
        Assert.Equal(1000, text.Value("container_network_receive_bytes_total", pod));
        Assert.Equal(10, text.Value("container_network_receive_packets_total", pod));
        Assert.Equal(1, text.Value("container_network_receive_errors_total", pod));
        Assert.Equal(2, text.Value("container_network_receive_packets_dropped_total", pod));
        Assert.Equal(500, text.Value("container_network_transmit_bytes_total", pod));
        Assert.Equal(5, text.Value("container_network_transmit_packets_total", pod));
        Assert.Equal(3, text.Value("container_network_transmit_errors_total", pod));
        Assert.Equal(4, text.Value("container_network_transmit_packets_dropped_total", pod));
        Assert.Equal(1000, text.Value("container_network_receive_bytes_total", "id=/", "interface=ens3"));
    }

    [Fact]
    public async Task A_pod_gone_from_the_next_snapshot_leaves_no_series()
    {
        var snapshot = Build() with { Pods = [] };

        var text = await PrometheusText.ExportAsync(CadvisorMetrics.Collect(snapshot));

        Assert.DoesNotContain(text.Samples, s => s["pod"] == "web");
        Assert.Equal(["/", "/system.slice/berth.service"], text.All("container_memory_working_set_bytes").Select(s => s["id"]));
    }
}
