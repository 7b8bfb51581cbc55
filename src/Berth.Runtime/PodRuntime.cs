using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Berth.Core.Planning;
using Berth.Images;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Oci;
using Berth.Oci.Spec;
using Berth.Runtime.Model;
using Berth.Runtime.Network;
using Berth.Runtime.Specs;
using Berth.Runtime.Store;
using Berth.Runtime.UserNamespaces;
using Microsoft.Extensions.Logging;
using HostOomScore = Berth.Linux.OomScoreAdj;

namespace Berth.Runtime;

/// <summary>
/// Sandboxes and containers on this node, CRI-shaped: the one place containers are created,
/// whether the request comes from a manifest (standalone) or from the kubelet (CRI). Processes
/// belong to their conmon monitors, so the agent may restart at any time; state is rebuilt from
/// the records on disk and the monitors' exit files.
/// </summary>
public sealed class PodRuntime
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private readonly RuntimeOptions options;
    private readonly IOciRuntime oci;
    private readonly Conmon conmon;
    private readonly IImageStore images;
    private readonly ICgroupDriver cgroups;
    private readonly ILogger logger;
    private readonly RecordStore<SandboxRecord> sandboxStore;
    private readonly RecordStore<ContainerRecord> containerStore;
    private readonly ConcurrentDictionary<string, SandboxRecord> sandboxes = new();
    private readonly ConcurrentDictionary<string, ContainerRecord> containers = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new();
    private readonly ulong hardNofile;
    private readonly IReadOnlyList<string> boundingCapabilities;
    private readonly ContainerEvents events = new();
    private readonly CniNetwork network;
    private readonly PodUserNamespaces userNamespaces;
    private int oomClampLogged;
    private int noNetworkLogged;

    public PodRuntime(RuntimeOptions options, IOciRuntime oci, Conmon conmon, IImageStore images, ICgroupDriver cgroups, ILogger<PodRuntime> logger)
    {
        this.options = options;
        this.oci = oci;
        this.conmon = conmon;
        this.images = images;
        this.cgroups = cgroups;
        this.logger = logger;
        sandboxStore = new RecordStore<SandboxRecord>(options.SandboxesDir);
        containerStore = new RecordStore<ContainerRecord>(options.ContainersDir);
        hardNofile = HardNofileLimit();
        boundingCapabilities = SpecDefaults.BoundingCapabilities();
        network = new CniNetwork(options.CniConfDir, options.CniBinDirs);
        userNamespaces = new PodUserNamespaces(options, () => sandboxes.Values);
        foreach (var s in sandboxStore.LoadAll())
        {
            sandboxes[s.Id] = s;
        }

        foreach (var c in containerStore.LoadAll())
        {
            containers[c.Id] = c;
        }
    }

    public RuntimeOptions Options => options;

    /// <summary>Container lifecycle changes as this runtime makes or notices them.</summary>
    public ContainerEvents Events => events;

    /// <summary>Pod networking: its configuration and whether it is ready (CRI NetworkReady).</summary>
    public CniNetwork Network => network;

    /// <summary>Pods with their own user namespace: support, and the standalone door's ID blocks.</summary>
    public PodUserNamespaces UserNamespaces => userNamespaces;

    /// <summary>The node's cgroup version (1 or 2).</summary>
    public int CgroupVersion => cgroups.Version;

    // ---------------------------------------------------------------- sandboxes

    public async Task<SandboxRecord> RunPodSandboxAsync(SandboxConfig config, CancellationToken ct)
    {
        var id = Ids.New();
        var bundle = Path.Combine(options.BundlesDir, id);
        var rootfs = Path.Combine(bundle, "rootfs");
        var filesDir = Path.Combine(options.SandboxesDir, id);
        var monitor = MonitorFor(id, Path.Combine(bundle, "monitor", "infra.log"));
        SandboxNetwork? attached = null;
        try
        {
            Directory.CreateDirectory(rootfs);
            PodFiles.Write(filesDir, SandboxSpec.HostnameOf(config), config.Dns, config.HostAliases);
            await userNamespaces.PrepareSandboxAsync(config, rootfs);
            var spec = SandboxSpec.Build(config, id, rootfs, options, ClampOomScore(config.OomScoreAdj), hardNofile);
            await WriteSpecAsync(bundle, spec, ct);
            var created = await conmon.CreateAsync(id, bundle, monitor, ct);
            await oci.StartAsync(id, ct);
            attached = await AttachNetworkAsync(id, created.Pid, config, ct);
            var record = new SandboxRecord
            {
                Id = id,
                Config = config,
                State = SandboxState.Ready,
                InfraPid = created.Pid,
                InfraStartTime = ProcessTable.StartTimeOf(created.Pid) ?? 0,
                CreatedAt = DateTimeOffset.UtcNow,
                NamespaceInodes = NamespaceInodes.Read(created.Pid),
                Network = attached,
                Ips = attached?.Ips ?? [],
            };
            await sandboxStore.SaveAsync(id, record, ct);
            sandboxes[id] = record;
            logger.LogInformation("Sandbox {SandboxId} of pod {Namespace}/{Pod} running, infra pid {Pid}{Ip}", id, config.Namespace, config.Name, created.Pid, record.Ips.Count > 0 ? $", ip {record.Ips[0]}" : "");
            return record;
        }
        catch
        {
            if (attached is not null)
            {
                await TryAsync(() => network.DelAsync(attached, NetworkRequestOf(id, attached.NetnsPath, config), CancellationToken.None), $"tear down the network of {id}");
            }

            UnpinNetns(id);
            await CleanupSandboxAsync(id, bundle, filesDir);
            throw;
        }
    }

    /// <summary>
    /// The pod network for a sandbox with its own network namespace: the namespace is pinned by a
    /// bind mount (so teardown never depends on the infra pid, which could be reused) and handed
    /// to the CNI plugins. Without a CNI configuration the pod keeps its loopback only.
    /// </summary>
    private async Task<SandboxNetwork?> AttachNetworkAsync(string id, int infraPid, SandboxConfig config, CancellationToken ct)
    {
        if (config.Network != NamespaceMode.Pod)
        {
            return null;
        }

        var (cni, problem) = network.Current();
        if (cni is null)
        {
            if (Interlocked.Exchange(ref noNetworkLogged, 1) == 0)
            {
                logger.LogWarning("Pods get a loopback interface only: {Problem}", problem);
            }

            return null;
        }

        Directory.CreateDirectory(options.NetnsDir);
        var pin = Path.Combine(options.NetnsDir, id);
        File.WriteAllBytes(pin, []);
        Mounts.BindMount($"/proc/{infraPid.ToString(CultureInfo.InvariantCulture)}/ns/net", pin, readOnly: false);
        return await network.AddAsync(cni, NetworkRequestOf(id, pin, config), ct);
    }

    private static NetworkRequest NetworkRequestOf(string id, string netns, SandboxConfig config) =>
        new(id, netns, config.Name, config.Namespace, config.Uid, config.PortMappings);

    private void UnpinNetns(string id)
    {
        var pin = Path.Combine(options.NetnsDir, id);
        if (File.Exists(pin))
        {
            Mounts.Unmount(pin);
            File.Delete(pin);
        }
    }

    public async Task StopPodSandboxAsync(string id, CancellationToken ct)
    {
        var sandbox = FindSandbox(id);
        if (sandbox is null)
        {
            return;
        }

        using var _ = await LockAsync(sandbox.Id, ct);
        foreach (var container in containers.Values.Where(c => c.SandboxId == sandbox.Id).ToList())
        {
            await StopContainerAsync(container.Id, TimeSpan.Zero, ct);
        }

        // The network goes before the infra process, as the kubelet's runtimes do it. A failed
        // DEL fails the stop, so the kubelet retries it rather than leaking an address.
        if (sandbox.Network is { } attached)
        {
            await network.DelAsync(attached, NetworkRequestOf(sandbox.Id, attached.NetnsPath, sandbox.Config), ct);
            UnpinNetns(sandbox.Id);
            sandbox = sandbox with { Network = null };
            await SaveSandboxAsync(sandbox, ct);
        }

        await oci.KillAsync(sandbox.Id, SigKill, all: true, ct);
        await WaitForExitAsync(sandbox.Id, TimeSpan.FromSeconds(10), ct);
        await oci.DeleteAsync(sandbox.Id, ct);
        await SaveSandboxAsync(sandbox with { State = SandboxState.NotReady, InfraPid = 0 }, ct);
    }

    public async Task RemovePodSandboxAsync(string id, CancellationToken ct)
    {
        var sandbox = FindSandbox(id);
        if (sandbox is null)
        {
            return;
        }

        await StopPodSandboxAsync(sandbox.Id, ct);
        foreach (var container in containers.Values.Where(c => c.SandboxId == sandbox.Id).ToList())
        {
            await RemoveContainerAsync(container.Id, ct);
        }

        await CleanupSandboxAsync(sandbox.Id, Path.Combine(options.BundlesDir, sandbox.Id), Path.Combine(options.SandboxesDir, sandbox.Id));
        if (sandbox.Config.OwnsCgroupParent && !sandboxes.Values.Any(s => s.Id != sandbox.Id && s.Config.CgroupParent == sandbox.Config.CgroupParent))
        {
            try
            {
                cgroups.Remove(sandbox.Config.CgroupParent);
            }
            catch (Exception e) when (e is CgroupException or IOException)
            {
                logger.LogWarning("Sandbox {SandboxId}: cannot remove its cgroup parent {Cgroup}: {Error}", sandbox.Id, sandbox.Config.CgroupParent, e.Message);
            }
        }

        sandboxStore.Delete(sandbox.Id);
        sandboxes.TryRemove(sandbox.Id, out _);
        locks.TryRemove(sandbox.Id, out _);
    }

    /// <summary>The sandbox with its state checked against the node: NotReady once its infra is gone.</summary>
    public SandboxRecord? GetSandbox(string idOrPrefix)
    {
        var sandbox = FindSandbox(idOrPrefix);
        if (sandbox is null || sandbox.State == SandboxState.NotReady)
        {
            return sandbox;
        }

        return InfraAlive(sandbox) ? sandbox : sandbox with { State = SandboxState.NotReady };
    }

    public IReadOnlyList<SandboxRecord> ListSandboxes() => [.. sandboxes.Keys.Select(GetSandbox).OfType<SandboxRecord>()];

    // ---------------------------------------------------------------- containers

    public async Task<ContainerRecord> CreateContainerAsync(string sandboxId, ContainerConfig config, CancellationToken ct)
    {
        var sandbox = GetSandbox(sandboxId) ?? throw new NotFoundException($"sandbox {sandboxId} not found");
        if (sandbox.State != SandboxState.Ready)
        {
            throw new PreconditionException($"sandbox {sandbox.Id} is not ready (its infra process is gone)");
        }

        var image = images.Find(config.Image) ?? throw new NotFoundException($"image \"{config.Image}\" not found: import it with `berth image import ROOTFS {config.Image}`");
        await images.MarkUsedAsync(image.Id, ct); // least recently used images go first in image GC
        var facts = ContainerHostFacts.Resolve(config, await TargetPidNamespaceAsync(config, ct));
        var id = Ids.New();
        var bundle = Path.Combine(options.BundlesDir, id);
        var rootfs = Path.Combine(bundle, "rootfs");
        var layerDir = Path.Combine(options.ContainersDir, id);
        var logFile = LogFileOf(sandbox, config, layerDir);
        var cgroupPath = CgroupPaths.Child(sandbox.Config.CgroupParent, id);
        try
        {
            var (process, user) = BuildProcess(config, sandbox, image);
            Directory.CreateDirectory(rootfs);
            Directory.CreateDirectory(Path.Combine(layerDir, "upper"));
            Directory.CreateDirectory(Path.Combine(layerDir, "work"));
            var lower = sandbox.Config.UserNamespace is null ? image.RootfsPath : IdmappedContainerMounts.MapLayers(image.RootfsPath, bundle, sandbox, Path.Combine(layerDir, "upper"));
            Mounts.MountOverlay(lower, Path.Combine(layerDir, "upper"), Path.Combine(layerDir, "work"), rootfs);

            var specConfig = sandbox.Config.UserNamespace is null ? config : IdmappedContainerMounts.MapVolumes(config, bundle, sandbox);
            var spec = ContainerSpec.Build(id, specConfig, sandbox, process, rootfs, PodFiles.Mounts(Path.Combine(options.SandboxesDir, sandbox.Id)), cgroupPath, facts);
            await WriteSpecAsync(bundle, spec, ct);
            var created = await conmon.CreateAsync(id, bundle, MonitorFor(id, logFile), ct, (config.Stdin, config.StdinOnce, config.Tty));
            var record = new ContainerRecord
            {
                Id = id,
                SandboxId = sandbox.Id,
                Config = config,
                ImageId = image.Id,
                ImageRepoDigest = image.RepoDigest,
                State = ContainerState.Created,
                Pid = created.Pid,
                StartTime = ProcessTable.StartTimeOf(created.Pid) ?? 0,
                MonitorPid = created.MonitorPid,
                MonitorStartTime = ProcessTable.StartTimeOf(created.MonitorPid) ?? 0,
                CreatedAt = DateTimeOffset.UtcNow,
                CgroupPath = cgroupPath,
                LogFile = logFile,
                User = user,
                StopSignal = StopSignalOf(config, image),
            };
            await SaveContainerAsync(record, ct);
            Publish(ContainerEventType.Created, record);
            return record;
        }
        catch
        {
            await CleanupContainerAsync(id);
            throw;
        }
    }

    private void Publish(ContainerEventType type, ContainerRecord container) =>
        events.Publish(type, container, sandboxes.TryGetValue(container.SandboxId, out var sandbox) ? sandbox.Config.Origin : SandboxOrigin.Standalone);

    /// <summary>The kubelet's layout puts a container's log at &lt;log directory&gt;/&lt;log path&gt;; a
    /// request without either (crictl) still gets a log, kept with the container's layer.</summary>
    private static string LogFileOf(SandboxRecord sandbox, ContainerConfig config, string layerDir) =>
        sandbox.Config.LogDirectory.Length > 0 && config.LogPath.Length > 0
            ? Path.Join(sandbox.Config.LogDirectory, config.LogPath)
            : Path.Combine(layerDir, "container.log");

    private async Task<string?> TargetPidNamespaceAsync(ContainerConfig config, CancellationToken ct)
    {
        if (config.Pid != NamespaceMode.Target)
        {
            return null;
        }

        var target = FindContainer(config.PidTarget ?? "") ?? throw new NotFoundException($"target container \"{config.PidTarget}\" not found");
        target = await RefreshAsync(target, ct);
        return target.State == ContainerState.Running && IsSameProcess(target.Pid, target.StartTime)
            ? $"/proc/{target.Pid}/ns/pid"
            : throw new PreconditionException($"target container {target.Id} is not running: its PID namespace cannot be joined");
    }

    /// <summary>The config's stop signal, else the image's, else none (SIGTERM).</summary>
    private static int? StopSignalOf(ContainerConfig config, ImageRecord image)
    {
        if (config.StopSignal is { Length: > 0 } requested)
        {
            try
            {
                return Signals.Parse(requested);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"container {config.Name}: stop signal: {e.Message}");
            }
        }

        // An image with a signal this node does not know is not worth refusing: SIGTERM it is.
        try
        {
            return image.Config.StopSignal is { Length: > 0 } fromImage ? Signals.Parse(fromImage) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public async Task<ContainerRecord> StartContainerAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = FindContainer(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found");
        if (container.State != ContainerState.Created)
        {
            throw new PreconditionException($"container {container.Id} is {container.State.ToString().ToLowerInvariant()}, not created");
        }

        // Taken before runc start returns: a short-lived process may have exited (and its
        // monitor stamped the exit) by then, and started must not come after finished.
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            await oci.StartAsync(container.Id, ct);
        }
        catch (CommandException e)
        {
            var failed = container with { State = ContainerState.Exited, ExitCode = 128, Reason = "ContainerCannotRun", Message = e.Message, FinishedAt = DateTimeOffset.UtcNow };
            await SaveContainerAsync(failed, ct);
            Publish(ContainerEventType.Stopped, failed);
            throw;
        }

        var started = container with { State = ContainerState.Running, StartedAt = startedAt };
        await SaveContainerAsync(started, ct);
        Publish(ContainerEventType.Started, started);
        return await RefreshAsync(started, ct);
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the container has exited.</summary>
    public async Task StopContainerAsync(string idOrPrefix, TimeSpan grace, CancellationToken ct)
    {
        var container = FindContainer(idOrPrefix);
        if (container is null)
        {
            return;
        }

        container = await RefreshAsync(container, ct);
        if (container.State == ContainerState.Exited)
        {
            return;
        }

        if (container.State == ContainerState.Created)
        {
            // Never started: its init is parked in runc's create; killing it is the stop.
            await oci.KillAsync(container.Id, SigKill, all: false, ct);
        }
        else if (grace > TimeSpan.Zero)
        {
            await oci.KillAsync(container.Id, container.StopSignal ?? SigTerm, all: false, ct);
            if (await WaitForExitAsync(container.Id, grace, ct))
            {
                await AwaitRecordedExitAsync(container.Id, ct);
                return;
            }
        }

        await KillEverythingAsync(container.Id, container.CgroupPath, ct);
        await WaitForExitAsync(container.Id, TimeSpan.FromSeconds(10), ct);
        await AwaitRecordedExitAsync(container.Id, ct);
    }

    /// <summary>
    /// runc kill --all, then the cgroup itself: a privileged container's nested runtime may have
    /// made cgroups below it (threaded or domain-invalid on v2) where runc's own walk fails or
    /// finds nothing, and every process there must die with the container.
    /// </summary>
    private async Task KillEverythingAsync(string id, string cgroupPath, CancellationToken ct)
    {
        try
        {
            await oci.KillAsync(id, SigKill, all: true, ct);
        }
        catch (CommandException e)
        {
            logger.LogWarning("runc could not kill every process of {ContainerId} ({Error}); killing its cgroup {Cgroup}", id, e.Message, cgroupPath);
        }

        if (!await cgroups.KillAsync(cgroupPath, ct))
        {
            throw new InvalidOperationException($"processes of container {id} remain in cgroup {cgroupPath} after SIGKILL");
        }
    }

    /// <summary>
    /// runc calls a container stopped once its process is gone; the exit code comes from its
    /// monitor a moment later. Waiting for that record means a caller that stopped a container
    /// then sees it exited, with its code, rather than still running.
    /// </summary>
    private async Task AwaitRecordedExitAsync(string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (containers.TryGetValue(id, out var current)
            && (await RefreshAsync(current, ct)).State != ContainerState.Exited
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    public async Task RemoveContainerAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = FindContainer(idOrPrefix);
        if (container is null)
        {
            return;
        }

        await StopContainerAsync(container.Id, TimeSpan.Zero, ct);
        await CleanupContainerAsync(container.Id);
        containerStore.Delete(container.Id);
        if (containers.TryRemove(container.Id, out var last))
        {
            Publish(ContainerEventType.Deleted, last);
        }
    }

    /// <summary>
    /// A command in a running container, run to its end with its output captured (probes,
    /// hooks, CRI ExecSync). When <paramref name="timeout"/> runs out the exec'd process itself
    /// is killed (not only runc, which would leave it running in the container).
    /// </summary>
    /// <exception cref="CommandException">Exit code -1: the timeout ran out.</exception>
    public async Task<ExecResult> ExecSyncAsync(string idOrPrefix, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var (container, process) = await RunningProcessAsync(idOrPrefix, ct);
        await using var exec = await ExecSession.StartAsync(oci, container.Id, process with { Args = command, Terminal = false }, stdin: false, ct);
        var stdout = new StreamReader(exec.Stdout).ReadToEndAsync(CancellationToken.None);
        var stderr = new StreamReader(exec.Stderr!).ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var code = await exec.Exited.WaitAsync(deadline.Token);
            return new ExecResult(code, await stdout, await stderr);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await exec.KillAsync();
            throw new CommandException(new CommandResult(string.Join(' ', command), -1, "", $"timed out after {timeout}"));
        }
    }

    /// <summary>
    /// A command in a running container with its standard streams open to the caller (kubectl
    /// exec): the container's process settings (user, capabilities, environment) with a terminal
    /// when asked for. With a terminal, TERM is set unless the container sets it, as CRI-O does.
    /// </summary>
    public async Task<ExecSession> ExecStreamAsync(string idOrPrefix, IReadOnlyList<string> command, bool tty, bool stdin, CancellationToken ct, (ushort Columns, ushort Rows)? size = null)
    {
        var (container, process) = await RunningProcessAsync(idOrPrefix, ct);
        var env = process.Env;
        if (tty && !env.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal)))
        {
            env = [.. env, "TERM=xterm"];
        }

        return await ExecSession.StartAsync(oci, container.Id, process with { Args = command, Terminal = tty, Env = env }, stdin, ct, size);
    }

    /// <summary>
    /// Where a running container's monitor takes attaching clients: its attach socket (a
    /// SEQPACKET socket conmon makes under the sockets directory) and the bundle whose ctl FIFO
    /// resizes the terminal.
    /// </summary>
    public async Task<(string AttachSocket, string Bundle)> AttachPointAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RunningContainerAsync(idOrPrefix, ct);
        return (Path.Combine(options.SocketsDir, container.Id, "attach"), Path.Combine(options.BundlesDir, container.Id));
    }

    /// <summary>
    /// Where a sandbox's network namespace can be entered: its pin, else its infra process's
    /// namespace. Null for a host-network sandbox, whose ports are the node's.
    /// </summary>
    public string? NetnsPathOf(string sandboxIdOrPrefix)
    {
        var sandbox = GetSandbox(sandboxIdOrPrefix) ?? throw new NotFoundException($"pod sandbox {sandboxIdOrPrefix} not found");
        if (sandbox.Config.Network == NamespaceMode.Node)
        {
            return null;
        }

        if (sandbox.State != SandboxState.Ready)
        {
            throw new PreconditionException($"pod sandbox {sandbox.Id} is not ready");
        }

        var pin = Path.Combine(options.NetnsDir, sandbox.Id);
        return File.Exists(pin) ? pin : $"/proc/{sandbox.InfraPid.ToString(CultureInfo.InvariantCulture)}/ns/net";
    }

    /// <summary>
    /// Changes a container's cpu, cpuset and memory limits in place (the kubelet's in-place pod
    /// resize) and records them. oom_score_adj is fixed at creation and stays as it was.
    /// </summary>
    public async Task<ContainerRecord> UpdateContainerResourcesAsync(string idOrPrefix, ContainerLimits limits, CancellationToken ct)
    {
        var container = await RefreshAsync(FindContainer(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found"), ct);
        if (container.State == ContainerState.Exited)
        {
            throw new PreconditionException($"container {container.Id} has exited: there is no cgroup to update");
        }

        var resources = new ResourcesSpec
        {
            Cpu = ContainerSpec.Cpu(limits),
            Memory = limits.MemoryLimit is { } memory ? new MemorySpec(memory) : null,
        };
        await oci.UpdateAsync(container.Id, resources, ct);
        var updated = container with { Config = container.Config with { Limits = limits with { OomScoreAdj = container.Config.Limits.OomScoreAdj } } };
        await SaveContainerAsync(updated, ct);
        return updated;
    }

    /// <summary>
    /// Has the container's monitor reopen its log file, after log rotation renamed it. Returns
    /// once the new file exists, since the caller goes on to read it.
    /// </summary>
    public async Task ReopenContainerLogAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RefreshAsync(FindContainer(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found"), ct);
        if (container.State != ContainerState.Running || !Conmon.RequestLogReopen(Path.Combine(options.BundlesDir, container.Id)))
        {
            throw new PreconditionException($"container {container.Id} is not running: no monitor writes its log");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!File.Exists(container.LogFile) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    /// <summary>CPU, memory and process counts of a cgroup (a container's, or a pod's
    /// cgroup parent); null when it does not exist.</summary>
    public CgroupUsage? UsageOf(string cgroupPath) => CgroupUsage.Read(cgroups, cgroupPath);

    /// <summary>What a container has written to its copy-on-write layer.</summary>
    public TreeUsage WritableLayerUsage(string containerId) =>
        TreeUsage.Of(Path.Combine(options.ContainersDir, Ids.Resolve(containerId, containers.Keys) ?? throw new NotFoundException($"container {containerId} not found"), "upper"));

    public async Task<ContainerRecord?> GetContainerAsync(string idOrPrefix, CancellationToken ct) =>
        FindContainer(idOrPrefix) is { } c ? await RefreshAsync(c, ct) : null;

    public async Task<IReadOnlyList<ContainerRecord>> ListContainersAsync(CancellationToken ct)
    {
        var result = new List<ContainerRecord>();
        foreach (var c in containers.Values.ToList())
        {
            result.Add(await RefreshAsync(c, ct));
        }

        return result;
    }

    // ---------------------------------------------------------------- internals

    /// <summary>Learns exits from the monitor's files (exit code, finish time) and the cgroup's
    /// OOM events; a process that vanished without either (a host reboot) is reported as such.</summary>
    private async Task<ContainerRecord> RefreshAsync(ContainerRecord container, CancellationToken ct)
    {
        if (container.State == ContainerState.Exited)
        {
            return container;
        }

        var monitor = MonitorFor(container.Id, container.LogFile);
        var code = Conmon.ReadExitCode(monitor, container.Id);
        if (code is null)
        {
            if (IsSameProcess(container.Pid, container.StartTime) || MonitorAlive(container, monitor))
            {
                return container;
            }

            // conmon writes the exit file before it exits: with the monitor gone, look once more.
            code = Conmon.ReadExitCode(monitor, container.Id);
        }

        ContainerRecord exited;
        if (code is { } exitCode)
        {
            var oom = File.Exists(monitor.OomFile) || OomKills(container.CgroupPath) > 0;
            exited = container with
            {
                State = ContainerState.Exited,
                ExitCode = exitCode,
                Signal = exitCode > 128 ? exitCode - 128 : null,
                FinishedAt = Later(File.GetLastWriteTimeUtc(monitor.ExitFile(container.Id)), container.StartedAt),
                Reason = oom ? "OOMKilled" : exitCode == 0 ? "Completed" : "Error",
            };
        }
        else
        {
            // The process and its monitor are gone and no exit file was written: the monitor was
            // killed or the host rebooted.
            exited = container with
            {
                State = ContainerState.Exited,
                ExitCode = 255,
                FinishedAt = DateTimeOffset.UtcNow,
                Reason = "Error",
                Message = "the container's process is gone and its monitor recorded no exit code (was the host rebooted?)",
            };
        }

        await SaveContainerAsync(exited, ct);
        Publish(ContainerEventType.Stopped, exited);
        return exited;
    }

    /// <summary>File times and the system clock can disagree by a tick; a finish is never before its start.</summary>
    private static DateTimeOffset Later(DateTimeOffset finished, DateTimeOffset? started) =>
        started is { } s && s > finished ? s : finished;

    /// <summary>The kernel's count of OOM kills in a cgroup (v1 memory.oom_control, v2 memory.events).</summary>
    private long OomKills(string cgroupPath)
    {
        var text = cgroups.Version == 1
            ? cgroups.ReadFile(cgroupPath, "memory", "memory.oom_control")
            : cgroups.ReadFile(cgroupPath, null, "memory.events");
        var line = text?.Split('\n').FirstOrDefault(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
        return line is not null && long.TryParse(line["oom_kill ".Length..], out var n) ? n : 0;
    }

    private static bool MonitorAlive(ContainerRecord container, MonitorPaths monitor)
    {
        if (container.MonitorPid > 0)
        {
            return IsSameProcess(container.MonitorPid, container.MonitorStartTime);
        }

        // Created before its pid file was read: read it now.
        return File.Exists(monitor.MonitorPidFile) && int.TryParse(File.ReadAllText(monitor.MonitorPidFile).Trim(), out var pid) && ProcessTable.IsAlive(pid);
    }

    private static bool IsSameProcess(int pid, ulong startTime) =>
        pid > 0 && ProcessTable.IsAlive(pid) && (startTime == 0 || ProcessTable.StartTimeOf(pid) == startTime);

    /// <summary>
    /// After a crash or a reboot: removes what no record knows (runc containers and bundles left by
    /// a create that never got recorded) and containers whose sandbox is gone, so nothing is
    /// duplicated or leaked.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        foreach (var orphan in containers.Values.Where(c => !sandboxes.ContainsKey(c.SandboxId)).ToList())
        {
            logger.LogWarning("Removing container {ContainerId}: its sandbox {SandboxId} is gone", orphan.Id, orphan.SandboxId);
            await RemoveContainerAsync(orphan.Id, ct);
        }

        var known = sandboxes.Keys.Concat(containers.Keys).ToHashSet();
        var runcIds = (await oci.ListAsync(ct)).Select(s => s.Id);
        IEnumerable<string> Dirs(string root) => Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>() : [];
        var leftovers = runcIds.Concat(Dirs(options.BundlesDir)).Concat(Dirs(options.ContainersDir)).Concat(Dirs(options.SandboxesDir));
        foreach (var id in leftovers.Distinct().Where(id => !known.Contains(id)).ToList())
        {
            logger.LogWarning("Removing {Id}: the runtime has it but no record does (an interrupted create)", id);
            await TryAsync(() => oci.KillAsync(id, SigKill, all: true, ct), $"kill {id}");
            await CleanupContainerAsync(id);
            TryDelete(Path.Combine(options.SandboxesDir, id));
        }

        // A pinned network namespace no record names was left by a create that died before its
        // record was written: DEL with today's configuration releases what ADD may have taken.
        foreach (var pin in Directory.Exists(options.NetnsDir) ? Directory.EnumerateFiles(options.NetnsDir) : [])
        {
            if (!known.Contains(Path.GetFileName(pin)))
            {
                var id = Path.GetFileName(pin);
                logger.LogWarning("Removing the pinned network namespace {Pin}: no sandbox record names it", pin);
                if (network.Current().Config is { } cni)
                {
                    await TryAsync(() => network.DelAsync(cni, new NetworkRequest(id, pin, "", "", "", []), ct), $"tear down the network of {id}");
                }

                UnpinNetns(id);
            }
        }
    }

    /// <summary>Containers of a sandbox, for reconciliation by the pod layer.</summary>
    public IReadOnlyList<ContainerRecord> ContainersOf(string sandboxId) =>
        [.. containers.Values.Where(c => c.SandboxId == sandboxId)];

    /// <summary>Sandboxes created for a pod uid, including ones no pod record names yet.</summary>
    public IReadOnlyList<SandboxRecord> SandboxesOfPod(string uid) =>
        [.. sandboxes.Values.Where(s => s.Config.Uid == uid)];

    /// <summary>
    /// The container's process: argv from its command and args over the image's Entrypoint and Cmd
    /// (Kubernetes rules), the image's Env under the container's, the working directory and user
    /// of the container or else of the image (a user name resolved in the image's /etc/passwd).
    /// </summary>
    private (ProcessSpec Process, ContainerUserIds User) BuildProcess(ContainerConfig config, SandboxRecord sandbox, ImageRecord image)
    {
        var args = ImageCommand.Resolve(image.Config, config.Command, config.Args);
        if (args.Count == 0)
        {
            throw new ArgumentException($"container {config.Name}: no command given and the image {config.Image} has none");
        }

        var hostname = SandboxSpec.HostnameOf(sandbox.Config) ?? Environment.MachineName;
        var env = new List<KeyValuePair<string, string>>();
        void Set(string key, string value)
        {
            env.RemoveAll(kv => kv.Key == key);
            env.Add(KeyValuePair.Create(key, value));
        }

        Set("PATH", SpecDefaults.DefaultPath["PATH=".Length..]);
        foreach (var entry in image.Config.Env)
        {
            var eq = entry.IndexOf('=');
            Set(eq < 0 ? entry : entry[..eq], eq < 0 ? "" : entry[(eq + 1)..]);
        }

        Set("HOSTNAME", hostname);
        foreach (var (key, value) in config.Env)
        {
            Set(key, value);
        }

        var security = config.Security;

        // A uid is looked up too: its primary group and the groups the image's /etc/group gives
        // it apply, as containerd does (SupplementalGroupsPolicy Merge).
        var userName = security.RunAsUser is { } runAsUser ? runAsUser.ToString(CultureInfo.InvariantCulture)
            : security.RunAsUsername is { Length: > 0 } requested ? requested
            : image.Config.User;
        if (Core.Security.RunAsNonRoot.Violation(security.RunAsNonRoot, security.RunAsUser, image.Config.User, Core.Security.RunAsNonRoot.PodDescription(sandbox.Config.Name, sandbox.Config.Namespace, sandbox.Config.Uid), config.Name) is { } violation)
        {
            throw new ContainerConfigException(violation);
        }

        var imageUser = ResolveUser(config, userName, image);
        var caps = security.Privileged
            ? boundingCapabilities
            : SpecDefaults.Adjust([.. security.AddCapabilities, .. security.AddAmbientCapabilities], security.DropCapabilities, boundingCapabilities);
        IReadOnlyList<string> ambient = [.. security.AddAmbientCapabilities.Select(SpecDefaults.Normalize).Where(caps.Contains).Distinct()];
        // The primary group leads the supplementary ones, as CRI-O and containerd put it there
        // (and critest's SupplementalGroupsPolicy specs expect it in the status).
        var gid = (uint?)security.RunAsGroup ?? imageUser.Gid;
        IReadOnlyList<uint> groups = [gid, .. security.SupplementalGroups.Select(g => (uint)g), .. security.StrictSupplementalGroups ? [] : imageUser.AdditionalGids];
        var user = new ContainerUserIds(imageUser.Uid, gid, [.. groups.Distinct()]);
        var process = new ProcessSpec
        {
            Args = args,
            Env = [.. env.Select(kv => $"{kv.Key}={kv.Value}")],
            Cwd = !string.IsNullOrEmpty(config.WorkingDir) ? config.WorkingDir : image.Config.WorkingDir.Length > 0 ? image.Config.WorkingDir : "/",
            User = new UserSpec
            {
                Uid = user.Uid,
                Gid = user.Gid,
                AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null,
            },

            // Ambient capabilities must also be inheritable for the kernel to keep them.
            Capabilities = CapabilitiesSpec.Of(caps) with { Inheritable = ambient, Ambient = ambient },
            Rlimits = SpecDefaults.Rlimits(hardNofile),
            NoNewPrivileges = security.NoNewPrivileges && !security.Privileged,
            Terminal = config.Tty,
            OomScoreAdj = ClampOomScore(config.Limits.OomScoreAdj),
        };
        return (process, user);
    }

    /// <summary>A user the image cannot resolve is the request's mistake, not the node's failure.</summary>
    private static ResolvedUser ResolveUser(ContainerConfig config, string user, ImageRecord image)
    {
        try
        {
            return ImageUser.Resolve(user, image.OverlayLowerDir);
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException)
        {
            throw new ArgumentException($"container {config.Name}: user \"{user}\": {e.Message}", e);
        }
    }

    /// <summary>Without CAP_SYS_RESOURCE the kernel refuses to lower oom_score_adj and runc then
    /// fails the container; clamp to what this process may set and say so once.</summary>
    private int ClampOomScore(int desired)
    {
        var allowed = HostOomScore.Clamp(desired);
        if (allowed != desired && Interlocked.Exchange(ref oomClampLogged, 1) == 0)
        {
            logger.LogWarning("oom_score_adj {Desired} cannot be set without CAP_SYS_RESOURCE; using {Allowed} (and clamping likewise from now on)", desired, allowed);
        }

        return allowed;
    }

    private static bool InfraAlive(SandboxRecord sandbox)
    {
        if (!IsSameProcess(sandbox.InfraPid, sandbox.InfraStartTime))
        {
            return false;
        }

        // A reused pid would not carry the sandbox's network namespace. A process that is dying
        // right now loses its /proc/<pid>/ns links as we read them: that is gone too.
        try
        {
            return !sandbox.NamespaceInodes.TryGetValue("net", out var net) || NamespaceInodes.Of(sandbox.InfraPid, "net") == net;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task<bool> WaitForExitAsync(string id, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            var state = await oci.StateAsync(id, ct);
            if (state is null || state.Status == "stopped")
            {
                return true;
            }

            await Task.Delay(50, ct);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    private async Task CleanupSandboxAsync(string id, string bundle, string filesDir)
    {
        await TryAsync(() => oci.DeleteAsync(id, CancellationToken.None), $"delete infra {id}");
        File.Delete(Path.Combine(options.ExitDir, id));
        DeleteAttachLink(id);
        TryDelete(bundle);
        TryDelete(filesDir);
    }

    private async Task CleanupContainerAsync(string id)
    {
        await TryAsync(() => oci.DeleteAsync(id, CancellationToken.None), $"delete container {id}");
        var rootfs = Path.Combine(options.BundlesDir, id, "rootfs");
        Mounts.Unmount(rootfs);
        IdmappedContainerMounts.Unmount(Path.Combine(options.BundlesDir, id));
        File.Delete(Path.Combine(options.ExitDir, id));
        DeleteAttachLink(id);
        TryDelete(Path.Combine(options.BundlesDir, id));
        TryDelete(Path.Combine(options.ContainersDir, id));
    }

    /// <summary>conmon's symlink to the bundle, through which its attach socket is reached;
    /// after a reboot the whole directory is gone.</summary>
    private void DeleteAttachLink(string id)
    {
        if (Directory.Exists(options.SocketsDir))
        {
            File.Delete(Path.Combine(options.SocketsDir, id));
        }
    }

    private void TryDelete(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        if (Mounts.IsMountPoint(dir) || Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Any(Mounts.IsMountPoint))
        {
            throw new IOException($"refusing to delete {dir}: something is still mounted below it");
        }

        Directory.Delete(dir, recursive: true);
    }

    private async Task TryAsync(Func<Task> action, string what)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is CommandException or IOException or CniException)
        {
            logger.LogWarning("cleanup: {What} failed: {Error}", what, e.Message);
        }
    }

    private MonitorPaths MonitorFor(string id, string logFile) =>
        new(Path.Combine(options.BundlesDir, id, "monitor"), options.ExitDir, logFile, options.SocketsDir);

    private static async Task WriteSpecAsync(string bundle, RuntimeSpec spec, CancellationToken ct)
    {
        Directory.CreateDirectory(bundle);
        await AtomicFile.WriteAsync(Path.Combine(bundle, "config.json"), JsonSerializer.Serialize(spec, RuntimeSpec.Json), ct);
    }

    private async Task<ContainerRecord> RunningContainerAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RefreshAsync(FindContainer(idOrPrefix) ?? throw new NotFoundException($"container {idOrPrefix} not found"), ct);
        return container.State == ContainerState.Running
            ? container
            : throw new PreconditionException($"container {container.Config.Name} is not running");
    }

    /// <summary>A running container and its process settings (user, capabilities, environment), which an exec takes on.</summary>
    private async Task<(ContainerRecord Container, ProcessSpec Process)> RunningProcessAsync(string idOrPrefix, CancellationToken ct)
    {
        var container = await RunningContainerAsync(idOrPrefix, ct);
        var spec = JsonSerializer.Deserialize<RuntimeSpec>(await File.ReadAllTextAsync(Path.Combine(options.BundlesDir, container.Id, "config.json"), ct), RuntimeSpec.Json)!;
        return (container, spec.Process);
    }

    private SandboxRecord? FindSandbox(string idOrPrefix) =>
        Ids.Resolve(idOrPrefix, sandboxes.Keys) is { } id && sandboxes.TryGetValue(id, out var s) ? s : null;

    private ContainerRecord? FindContainer(string idOrPrefix) =>
        Ids.Resolve(idOrPrefix, containers.Keys) is { } id && containers.TryGetValue(id, out var c) ? c : null;

    private async Task SaveSandboxAsync(SandboxRecord record, CancellationToken ct)
    {
        await sandboxStore.SaveAsync(record.Id, record, ct);
        sandboxes[record.Id] = record;
    }

    private async Task SaveContainerAsync(ContainerRecord record, CancellationToken ct)
    {
        await containerStore.SaveAsync(record.Id, record, ct);
        containers[record.Id] = record;
    }

    private async Task<IDisposable> LockAsync(string id, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private static ulong HardNofileLimit()
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 5 } && ulong.TryParse(fields[4], out var hard) ? hard : 1024;
    }
}
