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
}
