using Berth.Cri.V1;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriRestartTests(CriNode node)
{
    /// <summary>The kubelet keeps going while the runtime restarts: what it made must still be
    /// there, with the same ids, states and times, and new requests must work on it.</summary>
    [Fact]
    public async Task Agent_restart_between_RunPodSandbox_and_CreateContainer_loses_nothing()
    {
        await using var pod = await node.RunPodAsync("restart");
        var before = await node.StatusAsync(await pod.StartSleeperAsync("first"));

        await node.Agent.StopProcessAsync(kill: true);
        await node.Agent.StartProcessAsync();
        node.Connect();

        var sandbox = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status;
        Assert.Equal(PodSandboxState.SandboxReady, sandbox.State);
        Assert.Equal("restart", sandbox.Metadata.Name);
        var after = await node.StatusAsync(before.Id);
        Assert.Equal(ContainerState.ContainerRunning, after.State);
        Assert.Equal(before.CreatedAt, after.CreatedAt);
        Assert.Equal(before.StartedAt, after.StartedAt);

        var second = await pod.StartSleeperAsync("second");
        Assert.Equal("hi\n", (await node.ExecAsync(second, "echo", "hi")).Stdout.ToStringUtf8());
        Assert.Equal(2, (await node.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = pod.Id } })).Containers.Count);
    }
}
