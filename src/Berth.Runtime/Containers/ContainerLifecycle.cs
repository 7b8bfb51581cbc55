using System.Text.Json;
using Berth.Core.Planning;
using Berth.Images;
using Berth.Linux;
using Berth.Oci.Spec;
using Berth.Runtime.Model;
using Berth.Runtime.Specs;
using Berth.Runtime.UserNamespaces;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Containers;

/// <summary>
/// Containers from creation to removal: the root file system and bundle, creation under a
/// monitor, start, stop with grace and then the whole cgroup, in-place resource updates and
/// removal. Each move of a record goes through the container state machine.
/// </summary>
public sealed class ContainerLifecycle(RuntimeState state, ContainerExits exits, BundleCleanup cleanup)
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private RuntimeSeams Seams => state.Seams;

    private BundleLayout Layout => state.Layout;

    public async Task<ContainerRecord> CreateAsync(SandboxRecord sandbox, ContainerConfig config, CancellationToken ct)
    {
        var image = Seams.Images.Find(config.Image) ?? throw new NotFoundException($"image \"{config.Image}\" not found: import it with `berth image import ROOTFS {config.Image}`");
        await Seams.Images.MarkUsedAsync(image.Id, ct); // least recently used images go first in image GC
        var facts = ContainerHostFacts.Resolve(config, await TargetPidNamespaceAsync(config, ct));
        var id = Ids.New();
        var rootfs = Layout.Rootfs(id);
        var logFile = LogFileOf(sandbox, config, Layout.Layer(id));
        var cgroupPath = CgroupPaths.Child(sandbox.Config.CgroupParent, id);
        try
        {
            var (process, user) = BuildProcess(config, sandbox, image);
            Directory.CreateDirectory(rootfs);
            Directory.CreateDirectory(Layout.LayerUpper(id));
            Directory.CreateDirectory(Layout.LayerWork(id));
            var lower = sandbox.Config.UserNamespace is null ? image.RootfsPath : IdmappedContainerMounts.MapLayers(image.RootfsPath, Layout.Bundle(id), sandbox, Layout.LayerUpper(id));
            Seams.Mounts.MountOverlay(lower, Layout.LayerUpper(id), Layout.LayerWork(id), rootfs);

            var specConfig = sandbox.Config.UserNamespace is null ? config : IdmappedContainerMounts.MapVolumes(config, Layout.Bundle(id), sandbox);
            var spec = ContainerSpec.Build(id, specConfig, sandbox, process, rootfs, PodFiles.Mounts(Layout.SandboxFiles(sandbox.Id)), cgroupPath, facts);
            await WriteSpecAsync(Layout, id, spec, ct);
            var created = await Seams.Monitor.CreateAsync(id, Layout.Bundle(id), Layout.Monitor(id, logFile), ct, (config.Stdin, config.StdinOnce, config.Tty));
            var record = await state.Containers.AddAsync(
                new ContainerRecord
                {
                    Id = id,
                    SandboxId = sandbox.Id,
                    Config = config,
                    ImageId = image.Id,
                    ImageRepoDigest = image.RepoDigest,
                    State = ContainerState.Created,
                    Pid = created.Pid,
                    StartTime = Seams.Processes.StartTimeOf(created.Pid) ?? 0,
                    MonitorPid = created.MonitorPid,
                    MonitorStartTime = Seams.Processes.StartTimeOf(created.MonitorPid) ?? 0,
                    CreatedAt = DateTimeOffset.UtcNow,
                    CgroupPath = cgroupPath,
                    LogFile = logFile,
                    User = user,
                    StopSignal = StopSignalOf(config, image),
                },
                ct);
            state.Publish(ContainerEventType.Created, record);
            return record;
        }
        catch
        {
            await cleanup.ContainerAsync(id);
            throw;
        }
    }

    public async Task<ContainerRecord> StartAsync(ContainerRecord container, CancellationToken ct)
    {
        if (container.State != ContainerState.Created)
        {
            throw new PreconditionException($"container {container.Id} is {container.State.ToString().ToLowerInvariant()}, not created");
        }

        // Taken before runc start returns: a short-lived process may have exited (and its
        // monitor stamped the exit) by then, and started must not come after finished.
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            await Seams.Oci.StartAsync(container.Id, ct);
        }
        catch (CommandException e)
        {
            var failed = await state.Containers.UpdateAsync(container.Id, c => c with { State = ContainerState.Exited, ExitCode = 128, Reason = "ContainerCannotRun", Message = e.Message, FinishedAt = DateTimeOffset.UtcNow }, ct);
            if (failed is { } f)
            {
                state.Publish(ContainerEventType.Stopped, f.After);
            }

            throw;
        }

        // An exit noticed meanwhile stays: the container ran, and has ended.
        var started = await state.Containers.UpdateAsync(container.Id, c => c.State == ContainerState.Created ? c with { State = ContainerState.Running, StartedAt = startedAt } : c, ct)
            ?? throw new NotFoundException($"container {container.Id} was removed while it started");
        if (!ReferenceEquals(started.Before, started.After))
        {
            state.Publish(ContainerEventType.Started, started.After);
        }

        return await exits.RefreshAsync(started.After, ct);
    }

    /// <summary>SIGTERM (or the stop signal), then SIGKILL after <paramref name="grace"/>; returns once the container has exited.</summary>
    public async Task StopAsync(ContainerRecord container, TimeSpan grace, CancellationToken ct)
    {
        container = await exits.RefreshAsync(container, ct);
        if (container.State == ContainerState.Exited)
        {
            return;
        }

        if (container.State == ContainerState.Created)
        {
            // Never started: its init is parked in runc's create; killing it is the stop.
            await Seams.Oci.KillAsync(container.Id, SigKill, all: false, ct);
        }
        else if (grace > TimeSpan.Zero)
        {
            await Seams.Oci.KillAsync(container.Id, container.StopSignal ?? SigTerm, all: false, ct);
            if (await exits.WaitForStopAsync(container.Id, grace, ct))
            {
                await exits.AwaitRecordedExitAsync(container.Id, ct);
                return;
            }
        }

        await KillEverythingAsync(container.Id, container.CgroupPath, ct);
        await exits.WaitForStopAsync(container.Id, TimeSpan.FromSeconds(10), ct);
        await exits.AwaitRecordedExitAsync(container.Id, ct);
    }

    public async Task RemoveAsync(ContainerRecord container, CancellationToken ct)
    {
        await StopAsync(container, TimeSpan.Zero, ct);
        await cleanup.ContainerAsync(container.Id);
        var last = state.Containers.Get(container.Id);
        state.Containers.Delete(container.Id);
        if (last is not null)
        {
            state.Publish(ContainerEventType.Deleted, last);
        }
    }

    /// <summary>
    /// Changes a container's cpu, cpuset and memory limits in place (the kubelet's in-place pod
    /// resize) and records them. oom_score_adj is fixed at creation and stays as it was.
    /// </summary>
    public async Task<ContainerRecord> UpdateResourcesAsync(ContainerRecord container, ContainerLimits limits, CancellationToken ct)
    {
        container = await exits.RefreshAsync(container, ct);
        if (container.State == ContainerState.Exited)
        {
            throw new PreconditionException($"container {container.Id} has exited: there is no cgroup to update");
        }

        await Seams.Oci.UpdateAsync(container.Id, ContainerSpec.Resources(limits), ct);
        var updated = await state.Containers.UpdateAsync(container.Id, c => c with { Config = c.Config with { Limits = limits with { OomScoreAdj = c.Config.Limits.OomScoreAdj } } }, ct)
            ?? throw new NotFoundException($"container {container.Id} was removed while it was updated");
        return updated.After;
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
            await Seams.Oci.KillAsync(id, SigKill, all: true, ct);
        }
        catch (CommandException e)
        {
            state.Logger.LogWarning("runc could not kill every process of {ContainerId} ({Error}); killing its cgroup {Cgroup}", id, e.Message, cgroupPath);
        }

        if (!await Seams.Cgroups.KillAsync(cgroupPath, ct))
        {
            throw new InvalidOperationException($"processes of container {id} remain in cgroup {cgroupPath} after SIGKILL");
        }
    }

    /// <summary>The process: its argv and the user it runs as, resolved in the image first.</summary>
    private (ProcessSpec Process, ContainerUserIds User) BuildProcess(ContainerConfig config, SandboxRecord sandbox, ImageRecord image)
    {
        ProcessSpecBuilder.Args(config, image.Config);
        var user = ProcessSpecBuilder.UserToResolve(config, sandbox.Config, image.Config);
        var facts = new ProcessFacts(ResolveUser(config, user, image), Seams.BoundingCapabilities, Seams.HardNofile, state.ClampOomScore(config.Limits.OomScoreAdj), Environment.MachineName);
        return ProcessSpecBuilder.Build(config, sandbox.Config, image.Config, facts);
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

    private async Task<string?> TargetPidNamespaceAsync(ContainerConfig config, CancellationToken ct)
    {
        if (config.Pid != NamespaceMode.Target)
        {
            return null;
        }

        var target = state.Containers.Find(config.PidTarget ?? "") ?? throw new NotFoundException($"target container \"{config.PidTarget}\" not found");
        target = await exits.RefreshAsync(target, ct);
        return target.State == ContainerState.Running && state.IsSameProcess(target.Pid, target.StartTime)
            ? NamespacePaths.Of(target.Pid, "pid")
            : throw new PreconditionException($"target container {target.Id} is not running: its PID namespace cannot be joined");
    }

    /// <summary>The kubelet's layout puts a container's log at &lt;log directory&gt;/&lt;log path&gt;; a
    /// request without either (crictl) still gets a log, kept with the container's layer.</summary>
    private static string LogFileOf(SandboxRecord sandbox, ContainerConfig config, string layerDir) =>
        sandbox.Config.LogDirectory.Length > 0 && config.LogPath.Length > 0
            ? Path.Join(sandbox.Config.LogDirectory, config.LogPath)
            : Path.Combine(layerDir, "container.log");

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

    internal static async Task WriteSpecAsync(BundleLayout layout, string id, RuntimeSpec spec, CancellationToken ct)
    {
        Directory.CreateDirectory(layout.Bundle(id));
        await AtomicFile.WriteAsync(layout.SpecFile(id), JsonSerializer.Serialize(spec, RuntimeSpec.Json), ct);
    }
}
