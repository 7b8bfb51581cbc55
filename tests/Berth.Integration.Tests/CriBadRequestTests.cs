using Berth.Cri.V1;
using Grpc.Core;

namespace Berth.Integration.Tests;

/// <summary>Bad requests get InvalidArgument, unknown ids NotFound, wrong states
/// FailedPrecondition: never Internal, never a crash of the agent.</summary>
[Collection("cri")]
public class CriBadRequestTests(CriNode node)
{
    private static async Task Expect(StatusCode code, Func<Task> call) =>
        Assert.Equal(code, (await CriNode.FailsAsync(call)).StatusCode);

    [Fact]
    public async Task Sandbox_requests_without_what_they_need_are_invalid()
    {
        Task Run(PodSandboxConfig? config, string handler = "") => node.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config, RuntimeHandler = handler }).ResponseAsync;

        await Expect(StatusCode.InvalidArgument, () => Run(null));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Metadata = null)));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Metadata.Name = "")));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Metadata.Uid = "")));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x"), handler: "kata"));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Linux.CgroupParent = "kubepods-burstable.slice")));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Linux.CgroupParent = "/kubepods/../../etc")));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Linux.Sysctls["vm.swappiness"] = "10")));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Target)));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Linux.SecurityContext.NamespaceOptions.UsernsOptions = new UserNamespace { Mode = NamespaceMode.Pod })));
        await Expect(StatusCode.InvalidArgument, () => Run(node.PodConfig("x", c => c.Hostname = new string('h', 65))));

        // A pod already there is not made twice.
        await using var pod = await node.RunPodAsync("twice");
        await Expect(StatusCode.AlreadyExists, () => Run(pod.Config));
    }

    [Fact]
    public async Task Container_requests_without_what_they_need_are_invalid()
    {
        await using var pod = await node.RunPodAsync("bad-containers");
        Task Create(ContainerConfig? config, string? sandbox = null) =>
            node.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = sandbox ?? pod.Id, Config = config }).ResponseAsync;
        ContainerConfig With(Action<ContainerConfig> change)
        {
            var config = CriNode.Container("c", "sleep", "1");
            change(config);
            return config;
        }

        await Expect(StatusCode.InvalidArgument, () => Create(null));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Metadata = null)));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Image = null)));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Image.Image = "Not A Reference!")));
        await Expect(StatusCode.NotFound, () => Create(With(c => c.Image.Image = "no-such-image:1")));
        await Expect(StatusCode.NotFound, () => Create(CriNode.Container("c", "true"), sandbox: new string('a', 64)));
        await Expect(StatusCode.InvalidArgument, () => Create(CriNode.Container("c", "true"), sandbox: "../etc"));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { CpuShares = -2 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { CpuQuota = 5 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { CpuPeriod = 10 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { MemoryLimitInBytes = -1 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { OomScoreAdj = 5000 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.Resources = new LinuxContainerResources { CpusetCpus = "zero" })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.SecurityContext.RunAsUser = new Int64Value { Value = -1 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.SecurityContext.RunAsGroup = new Int64Value { Value = 10 })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Target)));
        await Expect(StatusCode.NotFound, () => Create(With(c =>
        {
            c.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Target;
            c.Linux.SecurityContext.NamespaceOptions.TargetId = new string('b', 64);
        })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.SecurityContext.NamespaceOptions.CgroupnsOptions = new CgroupNamespace { Mode = NamespaceMode.Target })));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.LogPath = "../../escape.log")));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Mounts.Add(new Mount { HostPath = "relative", ContainerPath = "/mnt" }))));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Command.Clear())));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.WorkingDir = "relative")));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Envs.Add(new KeyValue { Key = "A=B", Value = CriNode.Bytes("c") }))));
        await Expect(StatusCode.InvalidArgument, () => Create(With(c => c.Linux.SecurityContext.Capabilities = new Capability { AddCapabilities = { "FLY" } })));
        Assert.Empty((await node.Runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = pod.Id } })).Containers);

        var id = await pod.StartSleeperAsync("c");
        await Expect(StatusCode.AlreadyExists, () => Create(CriNode.Container("c", "true")));
        await Expect(StatusCode.FailedPrecondition, () => node.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = id }).ResponseAsync);
        await node.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = id });
        await Expect(StatusCode.FailedPrecondition, () => node.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = id, Cmd = { "true" } }).ResponseAsync);
    }

    [Fact]
    public async Task Unknown_ids_are_not_found_and_malformed_ones_invalid()
    {
        var unknown = new string('c', 64);
        var rc = node.Runtime;
        await Expect(StatusCode.NotFound, () => rc.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.StartContainerAsync(new StartContainerRequest { ContainerId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.ExecSyncAsync(new ExecSyncRequest { ContainerId = unknown, Cmd = { "true" } }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.ContainerStatsAsync(new ContainerStatsRequest { ContainerId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.UpdateContainerResourcesAsync(new UpdateContainerResourcesRequest { ContainerId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = unknown }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => rc.PodSandboxStatsAsync(new PodSandboxStatsRequest { PodSandboxId = unknown }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => rc.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = "" }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => rc.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = "../../etc/passwd" }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => rc.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = "" }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => rc.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = "a/b" }).ResponseAsync);

        // Stopping and removing what is not there is what the caller wanted: success (critest uses UUIDs).
        var uuid = Guid.NewGuid().ToString();
        await rc.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = uuid });
        await rc.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = uuid });
        await rc.StopContainerAsync(new StopContainerRequest { ContainerId = uuid });
        await rc.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = uuid });
    }

    [Fact]
    public async Task Streaming_calls_check_their_request()
    {
        var unknown = new string('d', 64);
        await Expect(StatusCode.NotFound, () => node.Runtime.ExecAsync(new ExecRequest { ContainerId = unknown, Cmd = { "sh" }, Stdout = true }).ResponseAsync);
        await Expect(StatusCode.NotFound, () => node.Runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = unknown }).ResponseAsync);

        await using var pod = await node.RunPodAsync("stream-bad");
        var id = await pod.StartSleeperAsync("app");
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Stdout = true }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh" } }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.ExecAsync(new ExecRequest { ContainerId = id, Cmd = { "sh" }, Tty = true, Stdout = true, Stderr = true }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = pod.Id, Port = { 70000 } }).ResponseAsync);

        await Expect(StatusCode.NotFound, () => node.Runtime.AttachAsync(new AttachRequest { ContainerId = unknown, Stdout = true }).ResponseAsync);
        await Expect(StatusCode.InvalidArgument, () => node.Runtime.AttachAsync(new AttachRequest { ContainerId = id }).ResponseAsync);
        await Expect(StatusCode.FailedPrecondition, () => node.Runtime.AttachAsync(new AttachRequest { ContainerId = id, Stdin = true, Stdout = true }).ResponseAsync);
    }
}
