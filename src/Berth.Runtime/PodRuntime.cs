using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Oci;
using Berth.Runtime.Containers;
using Berth.Runtime.Model;
using Berth.Runtime.Network;
using Berth.Runtime.Sandboxes;
using Berth.Runtime.Streams;
using Berth.Runtime.UserNamespaces;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime;

/// <summary>
/// Sandboxes and containers on this node, CRI-shaped: the one API through which containers are
/// created, whether the request comes from a manifest (standalone) or from the kubelet (CRI).
/// It composes the runtime's rooms (<see cref="SandboxLifecycle"/>, <see cref="ContainerLifecycle"/>,
/// <see cref="ContainerExits"/>, <see cref="ContainerExec"/>, <see cref="Reconciler"/>) over one
/// <see cref="RuntimeState"/>. Processes belong to their monitors, so the agent may restart at
/// any time; state is rebuilt from the records on disk and the monitors' exit files.
/// </summary>
public sealed class PodRuntime
{
    private readonly RuntimeState state;
    private readonly ContainerExits exits;
    private readonly ContainerLifecycle containers;
    private readonly ContainerExec exec;
    private readonly SandboxLifecycle sandboxes;
    private readonly Reconciler reconciler;

    public PodRuntime(RuntimeOptions options, RuntimeSeams seams, ILogger<PodRuntime> logger)
    {
        state = new RuntimeState(options, seams, logger);
        var cleanup = new BundleCleanup(state);
        var pins = new NetnsPins(state);
        Network = new CniNetwork(options.CniConfDir, options.CniBinDirs);
        UserNamespaces = new PodUserNamespaces(options, () => state.Sandboxes.All);
        exits = new ContainerExits(state);
        containers = new ContainerLifecycle(state, exits, cleanup);
        exec = new ContainerExec(state, exits);
        sandboxes = new SandboxLifecycle(state, containers, exits, cleanup, pins, Network, UserNamespaces);
        reconciler = new Reconciler(state, containers, cleanup, pins, Network);
        Streams = new PodStreams(exec, sandboxes);
    }

    public RuntimeOptions Options => state.Options;

    /// <summary>Every path of a sandbox or container.</summary>
    public BundleLayout Layout => state.Layout;

    /// <summary>Container lifecycle changes as this runtime makes or notices them.</summary>
    public ContainerEvents Events => state.Events;

    /// <summary>Pod networking: its configuration and whether it is ready (CRI NetworkReady).</summary>
    public CniNetwork Network { get; }

    /// <summary>Pods with their own user namespace: support, and the standalone door's ID blocks.</summary>
    public PodUserNamespaces UserNamespaces { get; }

    /// <summary>Exec, attach and port-forward streams, for the streaming server.</summary>
    public PodStreams Streams { get; }

    /// <summary>The node's cgroup version (1 or 2).</summary>
    public int CgroupVersion => state.Seams.Cgroups.Version;

    // ---------------------------------------------------------------- sandboxes

    public Task<SandboxRecord> RunPodSandboxAsync(SandboxConfig config, CancellationToken ct) => sandboxes.RunAsync(config, ct);

    public async Task StopPodSandboxAsync(string id, CancellationToken ct)
    {
        if (state.Sandboxes.Find(id) is { } sandbox)
        {
            await sandboxes.StopAsync(sandbox, ct);
        }
    }

    public async Task RemovePodSandboxAsync(string id, CancellationToken ct)
    {
        if (state.Sandboxes.Find(id) is { } sandbox)
        {
            await sandboxes.RemoveAsync(sandbox, ct);
        }
    }

    /// <summary>The sandbox with its state checked against the node: NotReady once its infra is gone.</summary>
    public SandboxRecord? GetSandbox(string idOrPrefix) => sandboxes.Get(idOrPrefix);

    public IReadOnlyList<SandboxRecord> ListSandboxes() => [.. state.Sandboxes.Ids.Select(GetSandbox).OfType<SandboxRecord>()];

    /// <summary>Sandboxes created for a pod uid, including ones no pod record names yet.</summary>
    public IReadOnlyList<SandboxRecord> SandboxesOfPod(string uid) => [.. state.Sandboxes.All.Where(s => s.Config.Uid == uid)];

    /// <summary>
    /// Where a sandbox's network namespace can be entered: its pin, else its infra process's
    /// namespace. Null for a host-network sandbox, whose ports are the node's.
    /// </summary>
    public string? NetnsPathOf(string sandboxIdOrPrefix) => sandboxes.NetnsPathOf(sandboxIdOrPrefix);

    // ---------------------------------------------------------------- containers

    public Task<ContainerRecord> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sandbox = GetSandbox(sandboxId) ?? throw new NotFoundException($"sandbox {sandboxId} not found");
        return sandbox.State == SandboxState.Ready
            ? containers.CreateAsync(sandbox, config, ct)
            : throw new PreconditionException($"sandbox {sandbox.Id} is not ready (its infra process is gone)");
    }

    public Task<ContainerRecord> StartContainerAsync(string idOrPrefix, CancellationToken ct) =>
        containers.StartAsync(FindContainer(idOrPrefix), ct);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the container has exited.</summary>
    public async Task StopContainerAsync(string idOrPrefix, TimeSpan grace, CancellationToken ct)
    {
        if (state.Containers.Find(idOrPrefix) is { } container)
        {
            await containers.StopAsync(container, grace, ct);
        }
    }

    public async Task RemoveContainerAsync(string idOrPrefix, CancellationToken ct)
    {
        if (state.Containers.Find(idOrPrefix) is { } container)
        {
            await containers.RemoveAsync(container, ct);
        }
    }

    /// <summary>Changes a container's cpu, cpuset and memory limits in place and records them.</summary>
    public Task<ContainerRecord> UpdateContainerResourcesAsync(string idOrPrefix, ContainerLimits limits, CancellationToken ct) =>
        containers.UpdateResourcesAsync(FindContainer(idOrPrefix), limits, ct);

    public async Task<ContainerRecord?> GetContainerAsync(string idOrPrefix, CancellationToken ct) =>
        state.Containers.Find(idOrPrefix) is { } c ? await exits.RefreshAsync(c, ct) : null;

    public async Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(CancellationToken ct)
    {
        var result = new List<ContainerRecord>();
        foreach (var c in state.Containers.All)
        {
            result.Add(await exits.RefreshAsync(c, ct));
        }

        return result;
    }

    /// <summary>Containers of a sandbox, for reconciliation by the pod layer.</summary>
    public IReadOnlyList<ContainerRecord> ContainersOf(string sandboxId) => [.. state.Containers.All.Where(c => c.SandboxId == sandboxId)];

    // ---------------------------------------------------------------- processes and streams

    /// <inheritdoc cref="ContainerExec.ExecSyncAsync"/>
    public Task<ExecResult> ExecSyncAsync(string idOrPrefix, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) =>
        exec.ExecSyncAsync(idOrPrefix, command, timeout, ct);

    /// <inheritdoc cref="ContainerExec.ReopenLogAsync"/>
    public Task ReopenContainerLogAsync(string idOrPrefix, CancellationToken ct) => exec.ReopenLogAsync(idOrPrefix, ct);

    // ---------------------------------------------------------------- usage and recovery

    /// <summary>CPU, memory and process counts of a cgroup (a container's, or a pod's
    /// cgroup parent); null when it does not exist.</summary>
    public CgroupUsage? UsageOf(string cgroupPath) => CgroupUsage.Read(state.Seams.Cgroups, cgroupPath);

    /// <summary>Pressure stall information of a cgroup (a container's, or a pod's cgroup
    /// parent); null when it does not exist or the kernel keeps no PSI for it.</summary>
    public PressureStats? PressureOf(string cgroupPath) => state.Seams.Cgroups.Pressure(cgroupPath);

    /// <summary>What a container has written to its copy-on-write layer.</summary>
    public TreeUsage WritableLayerUsage(string containerId) =>
        TreeUsage.Of(state.Layout.LayerUpper(FindContainer(containerId).Id));

    /// <inheritdoc cref="Reconciler.ReconcileAsync"/>
    public Task ReconcileAsync(CancellationToken ct) => reconciler.ReconcileAsync(ct);

    private ContainerRecord FindContainer(string idOrPrefix) =>
        state.Containers.Find(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found");
}
