using Berth.Core.Planning;
using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;

namespace Berth.Runtime.Tests.Sandboxes;

public sealed class SandboxLifecycleTests : IDisposable
{
    private readonly FakeNode node = new();

    public void Dispose() => node.Dispose();

    private PodRuntime Runtime => node.Runtime;

    [Fact]
    public async Task A_new_sandbox_is_ready_with_its_infra_and_namespaces_recorded()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);

        Assert.Equal(SandboxState.Ready, sandbox.State);
        var infra = node.Kernel.Get(sandbox.InfraPid)!;
        Assert.Equal(infra.StartTime, sandbox.InfraStartTime);
        Assert.Equal(infra.Namespaces["net"], sandbox.NamespaceInodes["net"]);
        Assert.Equal("running", node.Oci[sandbox.Id].Status);
        Assert.Equal("web-host\n", File.ReadAllText(Path.Combine(Runtime.Layout.SandboxFiles(sandbox.Id), "hostname")));
    }

    [Fact]
    public async Task A_sandbox_whose_infra_died_is_not_ready()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        node.Oci.Exit(sandbox.Id, 137);

        Assert.Equal(SandboxState.NotReady, Runtime.GetSandbox(sandbox.Id)!.State);
    }

    [Fact]
    public async Task A_reused_infra_pid_is_not_the_sandbox()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        node.Kernel.ReusePid(sandbox.InfraPid);

        Assert.Equal(SandboxState.NotReady, Runtime.GetSandbox(sandbox.Id)!.State);
    }

    [Fact]
    public async Task No_container_is_created_in_a_sandbox_that_is_not_ready()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(), CancellationToken.None);
        node.Oci.Exit(sandbox.Id, 137);

        var e = await Assert.ThrowsAsync<PreconditionException>(() => Runtime.CreateContainerAsync(sandbox.Id, FakeNode.Container(), CancellationToken.None));
        Assert.Contains("not ready", e.Message);
    }

    [Fact]
    public async Task Stop_stops_every_container_then_the_infra_and_the_sandbox_stays_not_ready()
    {
        var (sandbox, container) = await node.RunningAsync();

        await Runtime.StopPodSandboxAsync(sandbox.Id, CancellationToken.None);

        var calls = node.Oci.Calls;
        Assert.True(calls.IndexOf($"kill {container.Id} 9 --all") < calls.IndexOf($"kill {sandbox.Id} 9 --all"));
        Assert.Equal(ContainerState.Exited, (await Runtime.GetContainerAsync(container.Id, CancellationToken.None))!.State);
        Assert.Equal((SandboxState.NotReady, 0), (Runtime.GetSandbox(sandbox.Id)!.State, Runtime.GetSandbox(sandbox.Id)!.InfraPid));
        node.RestartAgent();
        Assert.Equal(SandboxState.NotReady, node.Runtime.GetSandbox(sandbox.Id)!.State);
    }

    [Fact]
    public async Task Remove_removes_containers_files_and_the_cgroup_parent_it_owns()
    {
        var (sandbox, container) = await node.RunningAsync();
        var owning = sandbox.Config with { OwnsCgroupParent = true };
        var cri = await Runtime.RunPodSandboxAsync(owning with { Uid = "uid-cri", CgroupParent = "/kubepods/pod-uid-cri" }, CancellationToken.None);

        await Runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None);
        await Runtime.RemovePodSandboxAsync(cri.Id, CancellationToken.None);

        Assert.Null(Runtime.GetSandbox(sandbox.Id));
        Assert.Null(await Runtime.GetContainerAsync(container.Id, CancellationToken.None));
        Assert.False(Directory.Exists(Runtime.Layout.SandboxFiles(sandbox.Id)));
        Assert.False(Directory.Exists(Runtime.Layout.Bundle(sandbox.Id)));
        Assert.Equal(["/kubepods/pod-uid-cri"], node.Cgroups.Removed); // the standalone pod's parent is the pod layer's
    }

    [Fact]
    public async Task A_shared_cgroup_parent_stays_while_another_sandbox_uses_it()
    {
        var config = FakeNode.Sandbox() with { OwnsCgroupParent = true };
        var first = await Runtime.RunPodSandboxAsync(config, CancellationToken.None);
        await Runtime.RunPodSandboxAsync(config with { Attempt = 1 }, CancellationToken.None);

        await Runtime.RemovePodSandboxAsync(first.Id, CancellationToken.None);

        Assert.Empty(node.Cgroups.Removed);
    }

    [Fact]
    public async Task A_host_network_sandbox_has_no_network_namespace_to_enter()
    {
        var sandbox = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox(network: NamespaceMode.Node), CancellationToken.None);
        Assert.Null(Runtime.NetnsPathOf(sandbox.Id));

        var pod = await Runtime.RunPodSandboxAsync(FakeNode.Sandbox("other"), CancellationToken.None);
        Assert.Equal($"/proc/{pod.InfraPid}/ns/net", Runtime.NetnsPathOf(pod.Id));
    }

    [Fact]
    public async Task A_failed_sandbox_leaves_no_record_and_no_files()
    {
        var config = FakeNode.Sandbox();
        var failing = new FailingStartOci(node);

        await Assert.ThrowsAsync<Berth.Linux.CommandException>(() => failing.Runtime.RunPodSandboxAsync(config, CancellationToken.None));

        Assert.Empty(failing.Runtime.ListSandboxes());
        Assert.Empty(Directory.Exists(node.Options.BundlesDir) ? Directory.GetDirectories(node.Options.BundlesDir) : []);
        Assert.Empty(Directory.Exists(node.Options.SandboxesDir) ? Directory.GetDirectories(node.Options.SandboxesDir) : []);
    }

    /// <summary>A runtime whose OCI runtime fails every start.</summary>
    private sealed class FailingStartOci(FakeNode node)
    {
        public PodRuntime Runtime { get; } = new(node.Options, new RuntimeSeams(new StartFails(node.Oci), node.Oci, node.Cgroups, node.Images, node.Mounts, node.Kernel, 1024, []), Microsoft.Extensions.Logging.Abstractions.NullLogger<PodRuntime>.Instance);

        private sealed class StartFails(FakeOci inner) : Berth.Oci.IOciRuntime
        {
            public string Binary => inner.Binary;

            public IReadOnlyList<string> GlobalArgs => inner.GlobalArgs;

            public Task<Berth.Oci.OciState?> StateAsync(string id, CancellationToken ct) => inner.StateAsync(id, ct);

            public Task StartAsync(string id, CancellationToken ct) =>
                throw new Berth.Linux.CommandException(new Berth.Linux.CommandResult("runc start", 1, "", "no"));

            public Task KillAsync(string id, int signal, bool all, CancellationToken ct) => inner.KillAsync(id, signal, all, ct);

            public Task DeleteAsync(string id, CancellationToken ct) => inner.DeleteAsync(id, ct);

            public Task<IReadOnlyList<Berth.Oci.OciState>> ListAsync(CancellationToken ct) => inner.ListAsync(ct);

            public Task UpdateAsync(string id, Berth.Oci.Spec.ResourcesSpec resources, CancellationToken ct) => inner.UpdateAsync(id, resources, ct);
        }
    }
}
