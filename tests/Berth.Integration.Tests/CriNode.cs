using System.Text;
using System.Text.Json.Nodes;
using Berth.Cli;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Berth.Integration.Tests;

/// <summary>
/// The agent the CRI tests talk to, as the kubelet would: a runtime.v1 client (generated here
/// from the proto the agent serves) over the agent's unix socket, with busybox imported. Pods
/// go under the agent's own cgroup root, so cleanup finds everything.
/// </summary>
public class CriNode : IAsyncLifetime
{
    private GrpcChannel channel = null!;

    public Agent Agent { get; private set; } = null!;

    public RuntimeService.RuntimeServiceClient Runtime { get; private set; } = null!;

    public ImageService.ImageServiceClient Images { get; private set; } = null!;

    /// <summary>Extra `berth serve` flags of this node.</summary>
    protected virtual string[] AgentArgs => [];

    public virtual async Task InitializeAsync()
    {
        Agent = await Agent.StartAsync("cri", AgentArgs);
        await TestNode.ImportBusyboxAsync(Agent);
        Connect();
    }

    /// <summary>A fresh channel, e.g. after the agent restarted.</summary>
    public void Connect()
    {
        channel?.Dispose();
        channel = AgentClient.Channel(Agent.Socket);
        Runtime = new RuntimeService.RuntimeServiceClient(channel);
        Images = new ImageService.ImageServiceClient(channel);
    }

    public virtual async Task DisposeAsync()
    {
        if (Agent is null)
        {
            return;
        }

        try
        {
            // CRI pods are not `berth ps` pods: the harness would not find them.
            if (Runtime is not null && Agent.Pid > 0)
            {
                foreach (var pod in (await Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items)
                {
                    await Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod.Id });
                }
            }
        }
        finally
        {
            channel?.Dispose();
            await Agent.DisposeAsync();
        }
    }

    /// <summary>A kubelet-like pod cgroup below the agent's cgroup root.</summary>
    public string CgroupParent(string name) => $"{Agent.CgroupRoot}/kubepods/pod{name}";

    public PodSandboxConfig PodConfig(string name, Action<PodSandboxConfig>? configure = null)
    {
        var uid = Guid.NewGuid().ToString();
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "cri-tests", Uid = uid, Attempt = 0 },
            Hostname = name,
            LogDirectory = Path.Combine(Agent.Dir, "pods", $"cri-tests_{name}_{uid}"),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = CgroupParent(uid.Replace("-", "", StringComparison.Ordinal)),
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption() },
            },
        };
        configure?.Invoke(config);
        return config;
    }

    public async Task<CriPod> RunPodAsync(string name, Action<PodSandboxConfig>? configure = null)
    {
        var config = PodConfig(name, configure);
        var response = await Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config });
        return new CriPod(this, response.PodSandboxId, config);
    }

    public static ContainerConfig Container(string name, params string[] command) => new()
    {
        Metadata = new ContainerMetadata { Name = name, Attempt = 0 },
        Image = new ImageSpec { Image = "busybox" },
        Command = { command },
        LogPath = $"{name}/0.log",
        Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = new NamespaceOption() } },
    };

    public async Task<ExecSyncResponse> ExecAsync(string containerId, params string[] cmd) =>
        await Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = containerId, Cmd = { cmd }, Timeout = 30 });

    /// <summary>stdout of a shell script in the container; fails the test on a non-zero exit.</summary>
    public async Task<string> ShAsync(string containerId, string script)
    {
        var result = await ExecAsync(containerId, "sh", "-c", script);
        Assert.True(result.ExitCode == 0, $"`{script}` exited {result.ExitCode}: {result.Stderr.ToStringUtf8()}{result.Stdout.ToStringUtf8()}");
        return result.Stdout.ToStringUtf8();
    }

    public async Task<ContainerStatus> StatusAsync(string containerId) =>
        (await Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId })).Status;

    /// <summary>The container's init process on the host, from the verbose status.</summary>
    public async Task<int> PidAsync(string containerId)
    {
        var response = await Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId, Verbose = true });
        return (int)JsonNode.Parse(response.Info["info"])!["pid"]!;
    }

    /// <summary>Waits for a container to exit and returns its final status.</summary>
    public async Task<ContainerStatus> ExitedAsync(string containerId, TimeSpan? timeout = null) =>
        await Eventually.UntilAsync(() => StatusAsync(containerId), s => s.State == ContainerState.ContainerExited, timeout ?? TimeSpan.FromSeconds(20), $"container {containerId} exiting");

    public static async Task<RpcException> FailsAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.NotEqual(StatusCode.Internal, e.StatusCode);
        Assert.NotEqual(StatusCode.Unknown, e.StatusCode);
        return e;
    }

    public static ByteString Bytes(string text) => ByteString.CopyFrom(text, Encoding.UTF8);
}

/// <summary>A sandbox made by a test: removed (with its containers) when disposed.</summary>
public sealed class CriPod(CriNode node, string id, PodSandboxConfig config) : IAsyncDisposable
{
    public string Id { get; } = id;

    public PodSandboxConfig Config { get; } = config;

    public async Task<string> CreateAsync(ContainerConfig container) =>
        (await node.Runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = Id, Config = container, SandboxConfig = Config })).ContainerId;

    public async Task<string> StartAsync(ContainerConfig container)
    {
        var id = await CreateAsync(container);
        await node.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id });
        return id;
    }

    /// <summary>A container that sleeps until removed.</summary>
    public Task<string> StartSleeperAsync(string name, Action<ContainerConfig>? configure = null)
    {
        var config = CriNode.Container(name, "sleep", "3600");
        configure?.Invoke(config);
        return StartAsync(config);
    }

    public async ValueTask DisposeAsync() =>
        await node.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = Id });
}

[CollectionDefinition("cri")]
public sealed class CriCollection : ICollectionFixture<CriNode>;
