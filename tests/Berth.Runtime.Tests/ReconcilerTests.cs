using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;

namespace Berth.Runtime.Tests;

/// <summary>The agent restarts at any moment: what it finds on disk and in the OCI runtime is made consistent.</summary>
public sealed class ReconcilerTests : IDisposable
{
    private readonly FakeNode node = new();

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task A_restarted_agent_readopts_running_containers_without_touching_them()
    {
        var (sandbox, container) = await node.RunningAsync();
        var callsBefore = node.Oci.Calls.Count;

        var runtime = node.RestartAgent();
        await runtime.ReconcileAsync(CancellationToken.None);

        Assert.Equal(SandboxState.Ready, runtime.GetSandbox(sandbox.Id)!.State);
        var again = await runtime.GetContainerAsync(container.Id, CancellationToken.None);
        Assert.Equal((ContainerState.Running, container.Pid), (again!.State, again.Pid));
        Assert.Equal(callsBefore, node.Oci.Calls.Count);
    }

    [Fact]
    public async Task An_exit_while_the_agent_was_down_is_learnt_from_the_monitor()
    {
        var (_, container) = await node.RunningAsync();
        node.Oci.Exit(container.Id, 5);

        var runtime = node.RestartAgent();
        await runtime.ReconcileAsync(CancellationToken.None);

        var exited = await runtime.GetContainerAsync(container.Id, CancellationToken.None);
        Assert.Equal((ContainerState.Exited, 5, "Error"), (exited!.State, exited.ExitCode, exited.Reason));
    }

    [Fact]
    public async Task A_container_the_runtime_has_but_no_record_names_is_killed_and_deleted()
    {
        await node.RunningAsync();
        var stray = node.Oci.AddStray("deadbeef");
        Directory.CreateDirectory(node.Runtime.Layout.Bundle("deadbeef"));

        await node.RestartAgent().ReconcileAsync(CancellationToken.None);

        Assert.Contains("kill deadbeef 9 --all", node.Oci.Calls);
        Assert.Contains("delete deadbeef", node.Oci.Calls);
        Assert.False(stray.Process.Alive);
        Assert.False(Directory.Exists(node.Runtime.Layout.Bundle("deadbeef")));
    }

    [Fact]
    public async Task Directories_of_an_interrupted_create_are_removed_but_known_ones_stay()
    {
        var (sandbox, container) = await node.RunningAsync();
        Directory.CreateDirectory(node.Runtime.Layout.Layer("cafe01"));
        Directory.CreateDirectory(node.Runtime.Layout.SandboxFiles("cafe02"));

        await node.RestartAgent().ReconcileAsync(CancellationToken.None);

        Assert.False(Directory.Exists(node.Runtime.Layout.Layer("cafe01")));
        Assert.False(Directory.Exists(node.Runtime.Layout.SandboxFiles("cafe02")));
        Assert.True(Directory.Exists(node.Runtime.Layout.Layer(container.Id)));
        Assert.True(Directory.Exists(node.Runtime.Layout.SandboxFiles(sandbox.Id)));
    }

    [Fact]
    public async Task A_container_whose_sandbox_record_is_gone_is_removed()
    {
        var (sandbox, container) = await node.RunningAsync();
        File.Delete(Path.Combine(node.Options.SandboxesDir, sandbox.Id + ".json"));

        var runtime = node.RestartAgent();
        await runtime.ReconcileAsync(CancellationToken.None);

        Assert.Null(await runtime.GetContainerAsync(container.Id, CancellationToken.None));
        Assert.Contains($"delete {container.Id}", node.Oci.Calls);
    }

    [Fact]
    public async Task A_network_pin_no_sandbox_names_is_unmounted_and_removed()
    {
        await node.RunningAsync();
        var pin = node.Runtime.Layout.NetnsPin("orphan1");
        Directory.CreateDirectory(node.Options.NetnsDir);
        File.WriteAllBytes(pin, []);
        node.Mounts.BindMount("/proc/1/ns/net", pin, readOnly: false);

        await node.RestartAgent().ReconcileAsync(CancellationToken.None);

        Assert.False(File.Exists(pin));
        Assert.False(node.Mounts.IsMountPoint(pin));
    }

    [Fact]
    public async Task Nothing_is_deleted_while_something_is_still_mounted_below_it()
    {
        await node.RunningAsync();
        var leftover = node.Runtime.Layout.Bundle("feed01");
        Directory.CreateDirectory(Path.Combine(leftover, "idmap", "volume-0"));
        node.Mounts.BindMount("/srv/data", Path.Combine(leftover, "idmap", "volume-0"), readOnly: false);

        await Assert.ThrowsAsync<IOException>(() => node.RestartAgent().ReconcileAsync(CancellationToken.None));

        Assert.True(Directory.Exists(leftover)); // the bind mount's source is never deleted through it
    }
}
