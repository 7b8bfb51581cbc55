using Berth.Cri.V1;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriStatsTests(CriNode node)
{
    private static long NowNs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task Container_stats_come_from_its_cgroup_and_writable_layer()
    {
        await using var pod = await node.RunPodAsync("stats", c => c.Labels["stats"] = "yes");
        var busy = await pod.StartAsync(CriNode.Container("busy", "sh", "-c", "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/filler bs=1k count=200 2>/dev/null; sleep 3600"));
        var idleConfig = CriNode.Container("idle", "sleep", "3600");
        idleConfig.Labels["role"] = "idle";
        var idle = await pod.CreateAsync(idleConfig);
        await Harness.Eventually.UntilAsync(() => node.ExecAsync(busy, "test", "-f", "/filler"), r => r.ExitCode == 0, TimeSpan.FromSeconds(20), "the busy loop finishing");

        var stats = (await node.Runtime.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = busy })).Stats;
        Assert.Equal(busy, stats.Attributes.Id);
        Assert.Equal("busy", stats.Attributes.Metadata.Name);
        Assert.InRange(stats.Cpu.Timestamp, NowNs - 10_000_000_000, NowNs + 1_000_000_000);
        Assert.True(stats.Cpu.UsageCoreNanoSeconds.Value > 0);
        Assert.True(stats.Memory.UsageBytes.Value > 0);
        Assert.InRange(stats.Memory.WorkingSetBytes.Value, 1UL, stats.Memory.UsageBytes.Value);
        Assert.NotNull(stats.Memory.RssBytes);
        Assert.True(stats.WritableLayer.UsedBytes.Value >= 200 * 1024, $"writable layer {stats.WritableLayer.UsedBytes.Value} bytes");
        Assert.True(stats.WritableLayer.InodesUsed.Value >= 2);

        async Task<IReadOnlyList<string>> ListAsync(ContainerStatsFilter filter) =>
            [.. (await node.Runtime.ListContainerStatsAsync(new ListContainerStatsRequest { Filter = filter })).Stats.Select(s => s.Attributes.Id)];

        // A created container has its cgroup already, so it has stats too.
        Assert.Equal([busy, idle], await ListAsync(new ContainerStatsFilter { PodSandboxId = pod.Id }));
        Assert.Equal([idle], await ListAsync(new ContainerStatsFilter { LabelSelector = { ["role"] = "idle" } }));
        Assert.Equal([busy], await ListAsync(new ContainerStatsFilter { Id = busy }));
        Assert.Contains(busy, await ListAsync(new ContainerStatsFilter()));
    }

    [Fact]
    public async Task Pod_stats_come_from_its_cgroup_parent()
    {
        await using var pod = await node.RunPodAsync("pod-stats", c => c.Labels["pod-stats"] = "yes");
        var app = await pod.StartSleeperAsync("app");
        var stats = (await node.Runtime.PodSandboxStatsAsync(new PodSandboxStatsRequest { PodSandboxId = pod.Id })).Stats;
        Assert.Equal(pod.Id, stats.Attributes.Id);
        Assert.Equal("pod-stats", stats.Attributes.Metadata.Name);
        Assert.True(stats.Linux.Process.ProcessCount.Value >= 2, "the infra process and the container");
        Assert.True(stats.Linux.Memory.UsageBytes.Value > 0);
        Assert.True(stats.Linux.Cpu.UsageCoreNanoSeconds.Value > 0);
        Assert.Equal(app, Assert.Single(stats.Linux.Containers).Attributes.Id);

        var listed = (await node.Runtime.ListPodSandboxStatsAsync(new ListPodSandboxStatsRequest { Filter = new PodSandboxStatsFilter { LabelSelector = { ["pod-stats"] = "yes" } } })).Stats;
        Assert.Equal(pod.Id, Assert.Single(listed).Attributes.Id);
    }

    [Fact]
    public async Task Cpu_pressure_of_a_busy_container_grows_and_its_sandbox_carries_psi_too()
    {
        await using var pod = await node.RunPodAsync("psi");

        // Two busy loops under a fifth of a CPU: runnable tasks wait, which is "some" cpu
        // pressure, while the host loses little to the test.
        var config = CriNode.Container("burn", "sh", "-c", "(while :; do :; done) & while :; do :; done");
        config.Linux.Resources = new LinuxContainerResources { CpuPeriod = 100_000, CpuQuota = 20_000 };
        var burn = await pod.StartAsync(config);

        async Task<ContainerStats> StatsAsync() => (await node.Runtime.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = burn })).Stats;
        var first = await StatsAsync();
        Assert.NotNull(first.Cpu.Psi);
        Assert.NotNull(first.Memory.Psi);
        Assert.NotNull(first.Io.Psi);
        Assert.InRange(first.Io.Timestamp, NowNs - 10_000_000_000, NowNs + 1_000_000_000);
        await Harness.Eventually.UntilAsync(StatsAsync, s => s.Cpu.Psi.Some.Total > first.Cpu.Psi.Some.Total, TimeSpan.FromSeconds(20), "cpu pressure growing");

        var sandbox = (await node.Runtime.PodSandboxStatsAsync(new PodSandboxStatsRequest { PodSandboxId = pod.Id })).Stats.Linux;
        Assert.NotNull(sandbox.Cpu.Psi);
        Assert.NotNull(sandbox.Io.Psi);
        Assert.True(sandbox.Cpu.Psi.Some.Total >= first.Cpu.Psi.Some.Total, "the pod's cgroup holds the container's stalls");
    }

    [Fact]
    public async Task Metric_descriptors_name_the_cadvisor_families_and_sandbox_metrics_cover_the_pod()
    {
        var descriptors = (await node.Runtime.ListMetricDescriptorsAsync(new ListMetricDescriptorsRequest())).Descriptors;
        var names = descriptors.Select(d => d.Name).ToList();
        Assert.Contains("container_pressure_cpu_waiting_seconds_total", names);
        Assert.Contains("container_memory_working_set_bytes", names);

        await using var pod = await node.RunPodAsync("metrics");
        var app = await pod.StartSleeperAsync("app");

        // The housekeeping pass runs on its own interval; wait for one that saw the pod.
        var metrics = await Harness.Eventually.UntilAsync(
            async () => (await node.Runtime.ListPodSandboxMetricsAsync(new ListPodSandboxMetricsRequest())).PodMetrics.FirstOrDefault(m => m.PodSandboxId == pod.Id),
            m => m is not null && m.ContainerMetrics.Any(c => c.ContainerId == app),
            TimeSpan.FromSeconds(40),
            "a housekeeping pass with the pod");
        var workingSet = Assert.Single(metrics!.Metrics, m => m.Name == "container_memory_working_set_bytes");
        Assert.Equal(MetricType.Gauge, workingSet.MetricType);
        Assert.True(workingSet.Value.Value > 0);
        Assert.Equal(descriptors.Single(d => d.Name == workingSet.Name).LabelKeys.Count, workingSet.LabelValues.Count);
        Assert.Contains(metrics.ContainerMetrics.Single(c => c.ContainerId == app).Metrics, m => m.Name == "container_memory_working_set_bytes");
    }
}
