using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriContainerTests(CriNode node)
{
    private static long NowNs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task Container_runs_to_its_exit_with_nanosecond_times_a_reason_and_a_cri_log()
    {
        await using var pod = await node.RunPodAsync("lifecycle");
        var failing = await pod.CreateAsync(CriNode.Container("failing", "sh", "-c", "echo out; echo err >&2; exit 3"));
        var created = await node.StatusAsync(failing);
        Assert.Equal(ContainerState.ContainerCreated, created.State);
        Assert.Equal(0, created.StartedAt);
        Assert.InRange(created.CreatedAt, NowNs - 60_000_000_000, NowNs + 1_000_000_000);

        await node.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = failing });
        var exited = await node.ExitedAsync(failing);
        Assert.Equal(3, exited.ExitCode);
        Assert.Equal("Error", exited.Reason);
        Assert.True(exited.CreatedAt <= exited.StartedAt && exited.StartedAt <= exited.FinishedAt, $"{exited.CreatedAt} {exited.StartedAt} {exited.FinishedAt}");
        Assert.InRange(exited.FinishedAt, NowNs - 60_000_000_000, NowNs + 1_000_000_000);

        // The kubelet reads <log_directory>/<log_path>, in the CRI format.
        var log = Path.Combine(pod.Config.LogDirectory, "failing/0.log");
        Assert.Equal(log, exited.LogPath);
        var lines = await File.ReadAllLinesAsync(log);
        Assert.Contains(lines, l => l.EndsWith(" stdout F out", StringComparison.Ordinal) && DateTimeOffset.TryParse(l.Split(' ')[0], out _));
        Assert.Contains(lines, l => l.EndsWith(" stderr F err", StringComparison.Ordinal));

        var done = await pod.StartAsync(CriNode.Container("done", "true"));
        var completed = await node.ExitedAsync(done);
        Assert.Equal(0, completed.ExitCode);
        Assert.Equal("Completed", completed.Reason);
    }

    [Fact]
    public async Task Memory_limit_kills_with_OOMKilled()
    {
        await using var pod = await node.RunPodAsync("oom");
        var config = CriNode.Container("hog", "dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1");
        config.Linux.Resources = new LinuxContainerResources { MemoryLimitInBytes = 32 << 20 };
        var id = await pod.StartAsync(config);
        var status = await node.ExitedAsync(id);
        Assert.Equal("OOMKilled", status.Reason);
        Assert.Equal(137, status.ExitCode);
        Assert.Equal(32 << 20, status.Resources.Linux.MemoryLimitInBytes);
    }

    [Fact]
    public async Task Attributes_are_kept_and_lists_filter_by_id_pod_state_and_labels()
    {
        await using var pod = await node.RunPodAsync("attributes");
        await using var other = await node.RunPodAsync("attributes-other");
        var config = CriNode.Container("app", "sleep", "3600");
        config.Metadata.Attempt = 2;
        config.Labels["tier"] = "front";
        config.Annotations["why"] = "test";
        var running = await pod.StartAsync(config);
        var created = await pod.CreateAsync(CriNode.Container("later", "sleep", "3600"));
        var elsewhere = await other.StartSleeperAsync("app");

        var status = await node.StatusAsync(running);
        Assert.Equal("app", status.Metadata.Name);
        Assert.Equal(2u, status.Metadata.Attempt);
        Assert.Equal("front", status.Labels["tier"]);
        Assert.Equal("test", status.Annotations["why"]);
        Assert.Equal("busybox", status.Image.Image);
        Assert.StartsWith("sha256:", status.ImageId, StringComparison.Ordinal);
        Assert.NotEmpty(status.ImageRef);
        Assert.Equal(ContainerState.ContainerRunning, status.State);

        async Task<IReadOnlyList<string>> ListAsync(ContainerFilter filter) =>
            [.. (await node.Runtime.ListContainersAsync(new ListContainersRequest { Filter = filter })).Containers.Select(c => c.Id)];

        Assert.Equal([running, created], await ListAsync(new ContainerFilter { PodSandboxId = pod.Id }));
        Assert.Equal([running], await ListAsync(new ContainerFilter { PodSandboxId = pod.Id, State = new ContainerStateValue { State = ContainerState.ContainerRunning } }));
        Assert.Equal([created], await ListAsync(new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerCreated } }));
        Assert.Equal([running], await ListAsync(new ContainerFilter { LabelSelector = { ["tier"] = "front" } }));
        Assert.Equal([elsewhere], await ListAsync(new ContainerFilter { Id = elsewhere[..12] }));
        var listed = (await node.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { Id = running } })).Containers.Single();
        Assert.Equal(2u, listed.Metadata.Attempt);
        Assert.Equal(pod.Id, listed.PodSandboxId);
        Assert.Equal("front", listed.Labels["tier"]);

        // A unique prefix names a container, as crictl passes them.
        Assert.Equal(running, (await node.StatusAsync(running[..12])).Id);
    }

    [Fact]
    public async Task ExecSync_returns_output_and_exit_code_and_a_timeout_kills_the_command()
    {
        await using var pod = await node.RunPodAsync("exec");

        // Its own PID namespace, so that its init is a plain sleep that never reaps.
        var id = await pod.StartSleeperAsync("app", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Container);
        var result = await node.ExecAsync(id, "sh", "-c", "echo hello; echo oops >&2; exit 4");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("hello\n", result.Stdout.ToStringUtf8());
        Assert.Equal("oops\n", result.Stderr.ToStringUtf8());

        var timeout = await CriNode.FailsAsync(() => node.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "sleep", "37" }, Timeout = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, timeout.StatusCode);

        // Gone at once, as critest checks: not left running in the container (killing only the
        // runc client would leave it there, reparented to the container's init) and not left a
        // zombie under an init that never reaps.
        var init = await node.PidAsync(id);
        Assert.Equal([init], Kernel.ProcessesInPidNamespace(Kernel.NsInode(init, "pid")));
        Assert.Empty(Kernel.ChildrenOf(init));
    }

    [Fact]
    public async Task Stop_sends_the_stop_signal_then_kills_after_the_timeout_and_stop_and_remove_are_idempotent()
    {
        await using var pod = await node.RunPodAsync("stop");

        // A PID 1 that ignores SIGTERM: only the SIGKILL after the timeout ends it.
        var stubborn = await pod.StartAsync(CriNode.Container("stubborn", "sh", "-c", "trap '' TERM; touch /trapped; sleep 3600"));
        await Eventually.UntilAsync(() => node.ExecAsync(stubborn, "test", "-f", "/trapped"), r => r.ExitCode == 0, TimeSpan.FromSeconds(10), "the trap being set");
        var started = DateTime.UtcNow;
        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = stubborn, Timeout = 1 });
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.9, 15);
        var killed = await node.StatusAsync(stubborn);
        Assert.Equal(ContainerState.ContainerExited, killed.State);
        Assert.Equal(137, killed.ExitCode);

        var politeConfig = CriNode.Container("polite", "sh", "-c", "trap 'exit 7' INT; while true; do sleep 0.1; done");
        politeConfig.StopSignal = Signal.Sigint;
        var polite = await pod.StartAsync(politeConfig);
        await Eventually.UntilAsync(() => node.ShAsync(polite, "ps -o args"), ps => ps.Contains("sleep 0.1", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the trap being set");
        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = polite, Timeout = 30 });
        Assert.Equal(7, (await node.StatusAsync(polite)).ExitCode);
        Assert.Equal(Signal.Sigint, (await node.StatusAsync(polite)).StopSignal);

        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = stubborn, Timeout = 1 });
        await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = stubborn });
        await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = stubborn });
        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = stubborn });
        var gone = await CriNode.FailsAsync(() => node.StatusAsync(stubborn));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // A running container is removed without a stop first.
        var running = await pod.StartSleeperAsync("running");
        await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = running });
        Assert.DoesNotContain((await node.Runtime.ListContainersAsync(new ListContainersRequest())).Containers, c => c.Id == running);
    }

    [Fact]
    public async Task UpdateContainerResources_changes_the_cgroup_in_place()
    {
        await using var pod = await node.RunPodAsync("resize");
        var id = await pod.StartSleeperAsync("app", c => c.Linux.Resources = new LinuxContainerResources { MemoryLimitInBytes = 64 << 20, CpuShares = 512 });
        var cgroup = $"{pod.Config.Linux.CgroupParent}/{id}";
        Assert.Equal((64 << 20).ToString(), Kernel.CgroupFile("memory", cgroup, "memory.limit_in_bytes"));
        Assert.Equal("512", Kernel.CgroupFile("cpu", cgroup, "cpu.shares"));

        await node.Runtime.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest
        {
            ContainerId = id,
            Linux = new LinuxContainerResources { MemoryLimitInBytes = 128 << 20, CpuShares = 1024, CpuPeriod = 100_000, CpuQuota = 50_000 },
        });
        Assert.Equal((128 << 20).ToString(), Kernel.CgroupFile("memory", cgroup, "memory.limit_in_bytes"));
        Assert.Equal("1024", Kernel.CgroupFile("cpu", cgroup, "cpu.shares"));
        Assert.Equal("50000", Kernel.CgroupFile("cpu", cgroup, "cpu.cfs_quota_us"));
        var resources = (await node.StatusAsync(id)).Resources.Linux;
        Assert.Equal(128 << 20, resources.MemoryLimitInBytes);
        Assert.Equal(50_000, resources.CpuQuota);

        var bad = await CriNode.FailsAsync(() => node.Runtime.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest { ContainerId = id, Linux = new LinuxContainerResources { CpuShares = -5 } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Fact]
    public async Task ReopenContainerLog_starts_a_new_file_after_rotation()
    {
        await using var pod = await node.RunPodAsync("rotate");
        var id = await pod.StartAsync(CriNode.Container("talker", "sh", "-c", "while true; do echo tick; sleep 0.1; done"));
        var log = Path.Combine(pod.Config.LogDirectory, "talker/0.log");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(log) && new FileInfo(log).Length > 0), x => x, TimeSpan.FromSeconds(10), "the first log lines");

        File.Move(log, log + ".1");
        await node.Runtime.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = id });
        Assert.True(File.Exists(log), "the log file is back when ReopenContainerLog returns");
        await Eventually.UntilAsync(async () => (await File.ReadAllLinesAsync(log)).Length, n => n > 0, TimeSpan.FromSeconds(10), "new lines in the new file");
        var rotated = (await File.ReadAllLinesAsync(log + ".1")).Length;
        await Task.Delay(500);
        Assert.Equal(rotated, (await File.ReadAllLinesAsync(log + ".1")).Length);

        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = id });
        var stopped = await CriNode.FailsAsync(() => node.Runtime.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stopped.StatusCode);
    }
}
