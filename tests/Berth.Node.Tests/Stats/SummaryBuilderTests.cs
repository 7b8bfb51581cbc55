using System.Text.Json;
using Berth.Node.Stats;
using static Berth.Node.Tests.Snapshots;

namespace Berth.Node.Tests.Stats;

public class SummaryBuilderTests
{
    private static JsonElement Render(CpuRates? rates = null)
    {
        var previous = Build(Now.AddSeconds(-10), podCpu: 3_000_000_000, containerCpu: 2_000_000_000, nodeCpu: 80_000_000_000);
        var current = Build();
        var json = SummaryJson.Serialize(SummaryBuilder.Build(current, rates ?? CpuRates.Between(previous, current)));
        return JsonDocument.Parse(json).RootElement;
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void Top_level_and_node_use_the_v1alpha1_json_names()
    {
        var root = Render();

        Assert.Equal(["node", "pods"], Names(root));
        var node = root.GetProperty("node");
        Assert.Equal(
            ["nodeName", "startTime", "cpu", "memory", "network", "fs", "runtime", "rlimit", "io", "swap", "systemContainers"],
            Names(node));
        Assert.Equal("node-a", node.GetProperty("nodeName").GetString());
        Assert.Equal("2025-03-01T00:00:00Z", node.GetProperty("startTime").GetString());
        Assert.Equal(4_194_304, node.GetProperty("rlimit").GetProperty("maxpid").GetInt64());
        Assert.Equal(321, node.GetProperty("rlimit").GetProperty("curproc").GetInt64());
        Assert.Equal(20_000UL, node.GetProperty("runtime").GetProperty("imageFs").GetProperty("usedBytes").GetUInt64());
        Assert.Equal(
            ["time", "availableBytes", "capacityBytes", "usedBytes", "inodesFree", "inodes", "inodesUsed"],
            Names(node.GetProperty("fs")));
        Assert.Equal("kubelet", node.GetProperty("systemContainers")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void Cpu_has_time_nano_cores_from_the_rates_and_cumulative_usage()
    {
        var cpu = Render().GetProperty("node").GetProperty("cpu");

        Assert.Equal(["time", "usageNanoCores", "usageCoreNanoSeconds", "psi"], Names(cpu));
        Assert.Equal("2025-03-01T12:00:00Z", cpu.GetProperty("time").GetString());
        Assert.Equal(1_000_000_000UL, cpu.GetProperty("usageNanoCores").GetUInt64());
        Assert.Equal(90_000_000_000UL, cpu.GetProperty("usageCoreNanoSeconds").GetUInt64());
    }

    [Fact]
    public void Node_memory_available_is_capacity_minus_working_set()
    {
        var memory = Render().GetProperty("node").GetProperty("memory");

        Assert.Equal(
            ["time", "availableBytes", "usageBytes", "workingSetBytes", "rssBytes", "pageFaults", "majorPageFaults", "psi"],
            Names(memory));
        Assert.Equal(6_000_000_000UL, memory.GetProperty("availableBytes").GetUInt64());
        Assert.Equal(2_000_000_000UL, memory.GetProperty("workingSetBytes").GetUInt64());
        Assert.Equal(40UL, memory.GetProperty("pageFaults").GetUInt64());
    }

    [Fact]
    public void Psi_has_full_and_some_with_microsecond_totals_and_averages()
    {
        var psi = Render().GetProperty("pods")[0].GetProperty("containers")[0].GetProperty("cpu").GetProperty("psi");

        Assert.Equal(["full", "some"], Names(psi));
        Assert.Equal(["total", "avg10", "avg60", "avg300"], Names(psi.GetProperty("some")));
        Assert.Equal(1_500_000UL, psi.GetProperty("some").GetProperty("total").GetUInt64());
        Assert.Equal(1.5, psi.GetProperty("some").GetProperty("avg10").GetDouble());
        Assert.Equal(250_000UL, psi.GetProperty("full").GetProperty("total").GetUInt64());
        // io has no "full" line in the sample: KEP-4205's PSIStats still carries it, as zeros.
        var io = Render().GetProperty("pods")[0].GetProperty("io").GetProperty("psi");
        Assert.Equal(0UL, io.GetProperty("full").GetProperty("total").GetUInt64());
        Assert.Equal(3_000_000UL, io.GetProperty("some").GetProperty("total").GetUInt64());
    }

    [Fact]
    public void Pod_has_ref_containers_network_volume_ephemeral_storage_and_process_stats()
    {
        var pod = Render().GetProperty("pods")[0];

        Assert.Equal(
            ["podRef", "startTime", "containers", "cpu", "memory", "network", "volume", "ephemeral-storage", "process_stats", "io", "swap"],
            Names(pod));
        Assert.Equal(["name", "namespace", "uid"], Names(pod.GetProperty("podRef")));
        Assert.Equal(PodUid, pod.GetProperty("podRef").GetProperty("uid").GetString());
        Assert.Equal(100_000_000UL, pod.GetProperty("cpu").GetProperty("usageNanoCores").GetUInt64());
        Assert.Equal(2UL, pod.GetProperty("process_stats").GetProperty("process_count").GetUInt64());
        Assert.Equal(13312UL, pod.GetProperty("ephemeral-storage").GetProperty("usedBytes").GetUInt64());
        var volume = pod.GetProperty("volume")[0];
        Assert.Equal(["time", "usedBytes", "inodesUsed", "name"], Names(volume));
        Assert.Equal("data", volume.GetProperty("name").GetString());
        var network = pod.GetProperty("network");
        Assert.Equal(["time", "name", "rxBytes", "rxErrors", "txBytes", "txErrors", "interfaces"], Names(network));
        Assert.Equal("eth0", network.GetProperty("name").GetString());
        Assert.Equal(1000UL, network.GetProperty("rxBytes").GetUInt64());
        Assert.Equal(3UL, network.GetProperty("interfaces")[0].GetProperty("txErrors").GetUInt64());
        Assert.Equal(64UL, pod.GetProperty("swap").GetProperty("swapUsageBytes").GetUInt64());
    }

    [Fact]
    public void Container_has_name_start_time_cpu_memory_rootfs_and_logs()
    {
        var container = Render().GetProperty("pods")[0].GetProperty("containers")[0];

        Assert.Equal(["name", "startTime", "cpu", "memory", "rootfs", "logs", "io", "swap"], Names(container));
        Assert.Equal("nginx", container.GetProperty("name").GetString());
        Assert.Equal("2025-03-01T11:00:02Z", container.GetProperty("startTime").GetString());
        Assert.Equal(100_000_000UL, container.GetProperty("cpu").GetProperty("usageNanoCores").GetUInt64());
        Assert.Equal(8192UL, container.GetProperty("rootfs").GetProperty("usedBytes").GetUInt64());
        Assert.Equal(4096UL, container.GetProperty("logs").GetProperty("usedBytes").GetUInt64());
        // A container's memory has no limit in its usage record here: availableBytes is omitted.
        Assert.False(container.GetProperty("memory").TryGetProperty("availableBytes", out _));
    }

    [Fact]
    public void First_pass_omits_usage_nano_cores_and_empty_lists_stay_as_go_writes_them()
    {
        var snapshot = Build();
        snapshot = snapshot with { Pods = [snapshot.Pods[0] with { Containers = [], Volumes = [] }] };

        var root = JsonDocument.Parse(SummaryJson.Serialize(SummaryBuilder.Build(snapshot, CpuRates.None))).RootElement;

        Assert.False(root.GetProperty("node").GetProperty("cpu").TryGetProperty("usageNanoCores", out _));
        var pod = root.GetProperty("pods")[0];
        Assert.Equal(JsonValueKind.Array, pod.GetProperty("containers").ValueKind); // no omitempty in Go
        Assert.False(pod.TryGetProperty("volume", out _)); // omitempty
    }
}
