using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;

namespace Berth.Runtime.Tests.Containers;

public sealed class ContainerExitsTests : IDisposable
{
    private readonly FakeNode node = new();

    public void Dispose() => node.Dispose();

    [Theory]
    [InlineData(0, "Completed", null)]
    [InlineData(3, "Error", null)]
    [InlineData(137, "Error", 9)]
    [InlineData(143, "Error", 15)]
    public async Task The_monitors_exit_code_gives_reason_and_signal(int code, string reason, int? signal)
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Exit(container.Id, code);

        var exited = await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None);

        Assert.Equal(ContainerState.Exited, exited!.State);
        Assert.Equal(code, exited.ExitCode);
        Assert.Equal(reason, exited.Reason);
        Assert.Equal(signal, exited.Signal);
    }

    [Fact]
    public async Task An_oom_the_monitor_saw_is_OOMKilled()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Exit(container.Id, 137, oom: true);

        Assert.Equal("OOMKilled", (await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.Reason);
    }

    [Fact]
    public async Task An_oom_only_the_cgroup_counted_is_OOMKilled_too()
    {
        var (_, container) = await node.RunningAsync();
        node.Cgroups.OomKillCounts[container.CgroupPath] = 1;
        node.Oci.Exit(container.Id, 137);

        Assert.Equal("OOMKilled", (await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.Reason);
    }

    [Fact]
    public async Task A_container_that_vanished_without_an_exit_record_is_reported_exited_255()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Vanish(container.Id);

        var exited = await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None);

        Assert.Equal(ContainerState.Exited, exited!.State);
        Assert.Equal(255, exited.ExitCode);
        Assert.Contains("rebooted", exited.Message);
    }

    [Fact]
    public async Task A_running_process_stays_running()
    {
        var (_, container) = await node.RunningAsync();
        Assert.Equal(ContainerState.Running, (await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task A_reused_pid_is_not_the_container()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci[container.Id].Monitor.Alive = false; // a monitor gone without a record ...
        node.Kernel.ReusePid(container.Pid);          // ... and its pid now someone else's

        Assert.Equal(ContainerState.Exited, (await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task An_exit_is_learnt_once_however_many_callers_look()
    {
        var (_, container) = await node.RunningAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = node.Runtime.Events.Subscribe(cts.Token);
        node.Oci.Exit(container.Id, 1);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => node.Runtime.GetContainerAsync(container.Id, CancellationToken.None)));
        await node.Runtime.ListContainersAsync(CancellationToken.None);

        var stopped = 0;
        while (events.TryRead(out var e))
        {
            stopped += e.Type == ContainerEventType.Stopped ? 1 : 0;
        }

        Assert.Equal(1, stopped);
    }

    [Fact]
    public async Task A_finish_is_never_before_the_start()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Exit(container.Id, 0);
        node.Oci[container.Id].Exit = node.Oci[container.Id].Exit! with { At = container.StartedAt!.Value.AddSeconds(-1) };

        var exited = await node.Runtime.GetContainerAsync(container.Id, CancellationToken.None);

        Assert.Equal(container.StartedAt, exited!.FinishedAt);
    }
}
