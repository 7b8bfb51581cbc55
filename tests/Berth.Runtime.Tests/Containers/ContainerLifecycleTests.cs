using Berth.Core.Planning;
using Berth.Linux;
using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;

namespace Berth.Runtime.Tests.Containers;

public sealed class ContainerLifecycleTests : IDisposable
{
    private readonly FakeNode node = new();

    public void Dispose() => node.Dispose();

    private PodRuntime Runtime => node.Runtime;

    [Fact]
    public async Task Create_mounts_the_image_as_overlay_and_hands_the_bundle_to_the_monitor()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var container = await Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(), CancellationToken.None);

        Assert.Equal(ContainerState.Created, container.State);
        Assert.Equal($"{sandbox.Config.CgroupParent}/{container.Id}", container.CgroupPath);
        Assert.StartsWith("overlay lower=" + node.Images.Find(FakeNode.Busybox)!.OverlayLowerDir, node.Mounts.Current[Runtime.Layout.Rootfs(container.Id)]);
        var spec = node.Oci[container.Id].Spec!;
        Assert.Equal(container.CgroupPath, spec.Linux.CgroupsPath);
        Assert.Equal(["/bin/sh", "-c", "sleep 1000"], spec.Process.Args);
        Assert.Contains(node.Images.Find(FakeNode.Busybox)!.Id, node.Images.Used);
    }

    [Fact]
    public async Task A_container_joins_the_sandboxs_namespaces_through_its_infra_process()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var container = await Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container() with { Pid = NamespaceMode.Pod }, CancellationToken.None);

        var namespaces = node.Oci[container.Id].Spec!.Linux.Namespaces.ToDictionary(n => n.Type, n => n.Path);

        Assert.Equal(NamespacePaths.Of(sandbox.InfraPid, "net"), namespaces["network"]);
        Assert.Equal(NamespacePaths.Of(sandbox.InfraPid, "ipc"), namespaces["ipc"]);
        Assert.Equal(NamespacePaths.Of(sandbox.InfraPid, "pid"), namespaces["pid"]);
        Assert.Null(namespaces["mount"]);
    }

    [Fact]
    public async Task Start_moves_created_to_running_and_says_so()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var created = await Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(), CancellationToken.None);

        var started = await Runtime.StartContainerAsync(created.Id, CancellationToken.None);

        Assert.Equal(ContainerState.Running, started.State);
        Assert.NotNull(started.StartedAt);
        Assert.Equal("running", node.Oci[created.Id].Status);
    }

    [Fact]
    public async Task A_failed_start_is_an_exit_with_ContainerCannotRun()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var created = await Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(), CancellationToken.None);
        node.Oci.FailStart.Add(created.Id);

        await Assert.ThrowsAsync<CommandException>(() => Runtime.StartContainerAsync(created.Id, CancellationToken.None));

        var failed = await Runtime.GetContainerAsync(created.Id, CancellationToken.None);
        Assert.Equal((ContainerState.Exited, 128, "ContainerCannotRun"), (failed!.State, failed.ExitCode, failed.Reason));
        Assert.Contains("executable file not found", failed.Message);
    }

    [Fact]
    public async Task Starting_twice_is_refused()
    {
        var (_, container) = await node.RunningAsync();
        await Assert.ThrowsAsync<PreconditionException>(() => Runtime.StartContainerAsync(container.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Stop_sends_the_images_stop_signal_first()
    {
        var (_, container) = await node.RunningAsync();

        await Runtime.StopContainerAsync(container.Id, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(3, container.StopSignal); // SIGQUIT from the image
        Assert.Contains($"kill {container.Id} 3", node.Oci.Calls);
        Assert.DoesNotContain($"kill {container.Id} 9 --all", node.Oci.Calls);
        Assert.Equal(131, (await Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.ExitCode);
    }

    [Fact]
    public async Task A_process_that_ignores_the_stop_signal_is_killed_with_its_whole_cgroup_after_the_grace_period()
    {
        var (_, container) = await node.RunningAsync(FakeNode.Container() with { StopSignal = "SIGTERM" });
        node.Oci.IgnoredSignals.Add(15);
        node.Oci.IgnoredSignals.Add(9); // runc's kill --all cannot reach it: only the cgroup can

        await Runtime.StopContainerAsync(container.Id, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.Contains($"kill {container.Id} 15", node.Oci.Calls);
        Assert.Contains($"kill {container.Id} 9 --all", node.Oci.Calls);
        Assert.Contains(container.CgroupPath, node.Cgroups.Killed);
        Assert.Equal(ContainerState.Exited, (await Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Stopping_a_container_that_never_started_kills_its_parked_init()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var created = await Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(), CancellationToken.None);

        await Runtime.StopContainerAsync(created.Id, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Contains($"kill {created.Id} 9", node.Oci.Calls);
        Assert.DoesNotContain($"kill {created.Id} 3", node.Oci.Calls);
    }

    [Fact]
    public async Task Remove_unmounts_and_deletes_everything_of_the_container()
    {
        var (_, container) = await node.RunningAsync();

        await Runtime.RemoveContainerAsync(container.Id, CancellationToken.None);

        Assert.Null(await Runtime.GetContainerAsync(container.Id, CancellationToken.None));
        Assert.False(node.Mounts.IsMountPoint(Runtime.Layout.Rootfs(container.Id)));
        Assert.False(Directory.Exists(Runtime.Layout.Bundle(container.Id)));
        Assert.False(Directory.Exists(Runtime.Layout.Layer(container.Id)));
        Assert.Contains($"delete {container.Id}", node.Oci.Calls);
    }

    [Fact]
    public async Task A_resize_updates_cpu_and_memory_and_keeps_the_oom_score()
    {
        var (_, container) = await node.RunningAsync(FakeNode.Container() with { Limits = new ContainerLimits { OomScoreAdj = 900 } });

        var updated = await Runtime.UpdateContainerResourcesAsync(container.Id, new ContainerLimits { CpuShares = 512, CpuQuota = 50000, CpuPeriod = 100000, MemoryLimit = 64 << 20, OomScoreAdj = -5 }, CancellationToken.None);

        var (_, resources) = Assert.Single(node.Oci.Updates);
        Assert.Equal((512UL, 50000L, 100000UL), (resources.Cpu!.Shares, resources.Cpu.Quota, resources.Cpu.Period));
        Assert.Equal(64L << 20, resources.Memory!.Limit);
        Assert.Equal(900, updated.Config.Limits.OomScoreAdj);
        Assert.Equal(512, updated.Config.Limits.CpuShares);
    }

    [Fact]
    public async Task The_spec_and_a_later_update_map_limits_the_same_way()
    {
        var limits = new ContainerLimits { CpuShares = 256, CpuQuota = 20000, CpuPeriod = 100000, MemoryLimit = 1 << 30, CpusetCpus = "0" };
        var (_, container) = await node.RunningAsync(FakeNode.Container() with { Limits = limits });
        await Runtime.UpdateContainerResourcesAsync(container.Id, limits, CancellationToken.None);

        var atCreate = node.Oci[container.Id].Spec!.Linux.Resources!;
        var atUpdate = node.Oci.Updates.Single().Resources;
        Assert.Equal(atCreate.Cpu, atUpdate.Cpu);
        Assert.Equal(atCreate.Memory, atUpdate.Memory);
    }

    [Fact]
    public async Task An_exited_container_has_no_cgroup_to_update()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Exit(container.Id, 0);

        await Assert.ThrowsAsync<PreconditionException>(() => Runtime.UpdateContainerResourcesAsync(container.Id, new ContainerLimits(), CancellationToken.None));
    }

    [Fact]
    public async Task A_missing_image_is_not_found_and_leaves_nothing()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);

        await Assert.ThrowsAsync<NotFoundException>(() => Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(image: "nope:1"), CancellationToken.None));

        Assert.Empty(await Runtime.ListContainersAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_create_removes_what_it_made()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        var before = Directory.GetDirectories(node.Options.BundlesDir).Length;

        // A user the image does not have fails after the id and directories were chosen.
        await Assert.ThrowsAsync<ArgumentException>(() => Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container() with { Security = new ContainerSecurity { RunAsUsername = "nobody-here" } }, CancellationToken.None));

        Assert.Equal(before, Directory.GetDirectories(node.Options.BundlesDir).Length);
        Assert.Empty(Directory.Exists(node.Options.ContainersDir) ? Directory.GetDirectories(node.Options.ContainersDir) : []);
        Assert.DoesNotContain(node.Mounts.Current.Keys, k => k.Contains("/bundles/", StringComparison.Ordinal) && !k.Contains(sandbox.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_cannot_join_the_pid_namespace_of_a_stopped_target()
    {
        var (sandbox, target) = await node.RunningAsync();
        node.Oci.Exit(target.Id, 0);

        await Assert.ThrowsAsync<PreconditionException>(() => Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container("debug") with { Pid = NamespaceMode.Target, PidTarget = target.Id }, CancellationToken.None));
    }
}
