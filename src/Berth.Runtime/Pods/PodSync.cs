using Berth.Core.Lifecycle;
using Berth.Runtime.Model;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// Brings one pod toward its spec, as the kubelet's syncPod does: a dead sandbox is replaced
/// (SandboxChanged), init containers run one at a time to success, sidecars (restartable init
/// containers) start in order and keep running, app containers start and are restarted per
/// restartPolicy with CrashLoopBackOff. Every step is recorded before the next one, so a crash
/// of the agent at any point leads the next sync to finish the work without doing it twice.
/// The caller holds the pod's lock.
/// </summary>
public sealed class PodSync(PodRuntime runtime, PodRecords records, PodCgroups podCgroups, LifecycleOptions options, ILogger<PodSync> logger)
{
    private const int MaxEvents = 100;

    public async Task<PodRecord> SyncAsync(PodRecord pod, CancellationToken ct)
    {
        if (pod.Lifecycle != PodLifecycle.Active)
        {
            return pod;
        }

        var manifest = pod.Manifest;
        var policy = pod.RestartPolicy;
        var sandbox = pod.SandboxId is null ? null : runtime.GetSandbox(pod.SandboxId);
        if (sandbox is not { State: SandboxState.Ready })
        {
            pod = await ReplaceSandboxAsync(pod, manifest, policy, ct);
            if (pod.Lifecycle != PodLifecycle.Active)
            {
                return pod;
            }
        }

        foreach (var name in pod.Containers.Where(c => c.Init).Select(c => c.Name).ToList())
        {
            var container = Container(pod, name, init: true);
            if (container.Done)
            {
                if (container.LastState is { ExitCode: not 0 })
                {
                    // A failed init container that will not be retried: nothing after it runs.
                    return await TerminateAsync(pod, ct);
                }

                continue;
            }

            if (container.Sidecar)
            {
                pod = await KeepAsync(pod, container, manifest, restart: true, ct);
                if (await RecordOfAsync(Container(pod, name, init: true), ct) is not { State: ContainerState.Running })
                {
                    return pod; // the next init container starts once this sidecar runs
                }

                continue;
            }

            var record = await RecordOfAsync(container, ct);
            if (record is null)
            {
                return await StartAsync(pod, container with { Id = null }, manifest, ct);
            }

            if (record.State != ContainerState.Exited)
            {
                return pod; // still running: init containers run one at a time
            }

            if (record.ExitCode == 0)
            {
                pod = await SaveAsync(Update(pod, container with { Done = true, LastState = TerminationOf(record) }), ct);
                continue;
            }

            if (policy == RestartPolicy.Never)
            {
                pod = Update(pod, container with { Done = true, LastState = TerminationOf(record) });
                return await SaveAsync(pod with { Message = $"init container {name} failed with exit code {record.ExitCode}" }, ct);
            }

            return await RestartAsync(pod, container, record, manifest, ct);
        }

        foreach (var name in pod.Containers.Where(c => !c.Init).Select(c => c.Name).ToList())
        {
            var container = Container(pod, name, init: false);
            if (!container.Done)
            {
                pod = await KeepAsync(pod, container, manifest, restart: ShouldRestart(policy, await RecordOfAsync(container, ct)), ct);
            }
        }

        return pod.Containers.Where(c => !c.Init).All(c => c.Done) ? await TerminateAsync(pod, ct) : pod;
    }

    /// <summary>
    /// No container of the pod will run again (Succeeded or Failed): as the kubelet does, the pod
    /// is terminated. Its sidecars are stopped and its sandbox too, which gives back the pod's
    /// address. The records stay for status and logs until the pod is removed.
    /// </summary>
    private async Task<PodRecord> TerminateAsync(PodRecord pod, CancellationToken ct)
    {
        if (pod.SandboxId is { } sandbox)
        {
            await runtime.StopPodSandboxAsync(sandbox, ct);
        }

        return await SaveAsync(pod with { Lifecycle = PodLifecycle.Finished }, ct);
    }

    /// <summary>Starts a container that has none, or restarts (or retires) one that exited.</summary>
    private async Task<PodRecord> KeepAsync(PodRecord pod, PodContainer container, V1Pod manifest, bool restart, CancellationToken ct)
    {
        var record = await RecordOfAsync(container, ct);
        if (record is null)
        {
            return await StartAsync(pod, container with { Id = null }, manifest, ct);
        }

        if (record.State != ContainerState.Exited)
        {
            return pod;
        }

        if (restart)
        {
            return await RestartAsync(pod, container, record, manifest, ct);
        }

        pod = Update(pod, container with { Done = true, LastState = TerminationOf(record) });
        return await SaveAsync(record.Reason == "OOMKilled" ? OomEvent(pod, container) : pod, ct);
    }

    private static PodRecord OomEvent(PodRecord pod, PodContainer container) =>
        AddEvent(pod, "Warning", "OOMKilled", $"Container {container.Name} was killed for exceeding its memory limit", container.Name);

    private static bool ShouldRestart(RestartPolicy policy, ContainerRecord? record) =>
        record is not { State: ContainerState.Exited } || policy.Restarts(record.ExitCode);

    /// <summary>
    /// A restart after <see cref="CrashLoopBackOff"/>'s wait. The restart is recorded (new restart
    /// count, no container id) before the old container is removed and the new one created.
    /// </summary>
    private async Task<PodRecord> RestartAsync(PodRecord pod, PodContainer container, ContainerRecord exited, V1Pod manifest, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        if (container.BackoffUntil is null)
        {
            var finished = exited.FinishedAt ?? now;
            var ran = finished - (exited.StartedAt ?? finished);
            var delay = options.BackOff.Delay(container.Backoff, ran);
            container = container with { BackoffUntil = finished + delay, Backoff = delay, LastState = TerminationOf(exited) };
            pod = Update(pod, container);
            if (exited.Reason == "OOMKilled")
            {
                pod = OomEvent(pod, container);
            }

            if (delay > TimeSpan.Zero)
            {
                pod = AddEvent(pod, "Warning", "BackOff", $"Back-off {delay.TotalSeconds:0.#}s restarting failed container {container.Name}", container.Name);
            }

            pod = await SaveAsync(pod, ct);
        }

        if (now < container.BackoffUntil)
        {
            return pod;
        }

        var next = container with
        {
            Id = null,
            RestartCount = container.RestartCount + 1,
            BackoffUntil = null,
            Backoff = options.BackOff.After(container.Backoff),
        };
        pod = await SaveAsync(Update(pod, next), ct);
        await runtime.RemoveContainerAsync(exited.Id, ct);
        return await StartAsync(pod, next, manifest, ct);
    }

    /// <summary>Creates and starts the container's next instance, then runs its postStart hook.</summary>
    private async Task<PodRecord> StartAsync(PodRecord pod, PodContainer container, V1Pod manifest, CancellationToken ct)
    {
        var spec = SpecOf(manifest, container);
        var plan = pod.Plan.Containers.Single(c => c.Name == container.Name && c.Init == container.Init);
        var logDir = Path.Combine(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan), container.Name);
        var stale = Path.Combine(logDir, $"{container.RestartCount - 2}.log"); // keep the current and the previous log
        if (File.Exists(stale))
        {
            File.Delete(stale);
        }

        ContainerRecord record;
        try
        {
            var volumePaths = ContainerConfigs.VolumePaths(manifest, PodDirectory(pod));
            var config = ContainerConfigs.Container(manifest, spec, plan, container.RestartCount, volumePaths, SubPaths.Prepare(PodDirectory(pod), spec, volumePaths), options.Security);
            record = await runtime.CreateContainerAsync(pod.SandboxId!, config, ct);
        }
        catch (ContainerConfigException e)
        {
            return await SaveAsync(ConfigFailed(pod, container, e.Message), ct);
        }

        pod = AddEvent(Update(pod, container with { Id = record.Id, ConfigError = null }), "Normal", "Created", $"Created container {container.Name}", container.Name);
        pod = await SaveAsync(pod, ct);
        try
        {
            await runtime.StartContainerAsync(record.Id, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await SaveAsync(AddEvent(pod, "Warning", "Failed", $"Error: {e.Message}", container.Name), ct);
        }

        pod = AddEvent(pod, "Normal", "Started", $"Started container {container.Name}", container.Name);
        if (spec.Lifecycle?.PostStart?.Exec?.Command is { Count: > 0 } hook)
        {
            var result = await runtime.ExecSyncAsync(record.Id, [.. hook], TimeSpan.FromSeconds(30), ct);
            if (result.ExitCode != 0)
            {
                pod = AddEvent(pod, "Warning", "FailedPostStartHook", $"PostStartHook failed with exit code {result.ExitCode}: {result.Stderr.Trim()}", container.Name);
                await runtime.StopContainerAsync(record.Id, TimeSpan.Zero, ct);
            }
        }

        return await SaveAsync(pod, ct);
    }

    /// <summary>
    /// The container stays waiting as CreateContainerConfigError and the next sync tries again, as
    /// the kubelet's do. The Warning event is recorded when the reason changes, not on every retry.
    /// </summary>
    private static PodRecord ConfigFailed(PodRecord pod, PodContainer container, string message)
    {
        var changed = container.ConfigError != message;
        pod = Update(pod, container with { ConfigError = message });
        return changed ? AddEvent(pod, "Warning", "Failed", $"Error: {message}", container.Name) : pod;
    }

    /// <summary>
    /// The infra process died (or the host rebooted): every container is stopped and the sandbox
    /// removed; under restartPolicy Never that is the pod's end, otherwise a new sandbox is made
    /// and the containers come back in it (init containers run again; under OnFailure a container
    /// that succeeded stays done), each restart counted.
    /// </summary>
    private async Task<PodRecord> ReplaceSandboxAsync(PodRecord pod, V1Pod manifest, RestartPolicy policy, CancellationToken ct)
    {
        var hadSandbox = pod.SandboxId is not null;
        if (hadSandbox)
        {
            logger.LogWarning("Pod {Namespace}/{Pod}: sandbox {SandboxId} changed, recreating", pod.Namespace, pod.Name, pod.SandboxId);
            pod = AddEvent(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
            var ended = new List<PodContainer>();
            foreach (var container in pod.Containers)
            {
                var record = await RecordOfAsync(container, ct);
                if (record is { State: not ContainerState.Exited })
                {
                    await runtime.StopContainerAsync(record.Id, TimeSpan.Zero, ct);
                    record = await runtime.GetContainerAsync(record.Id, ct);
                }

                ended.Add(record is null ? container : container with { LastState = TerminationOf(record) });
            }

            await runtime.RemovePodSandboxAsync(pod.SandboxId!, ct);
            pod = await SaveAsync(pod with { SandboxId = null, Containers = ended }, ct);
        }

        if (hadSandbox && policy == RestartPolicy.Never)
        {
            return await SaveAsync(pod with
            {
                Lifecycle = PodLifecycle.Finished,
                Containers = [.. pod.Containers.Select(c => c with { Id = null, Done = true })],
                Message = "the pod sandbox died and restartPolicy is Never",
            }, ct);
        }

        // After a reboot the pod cgroup is gone too.
        podCgroups.Ensure(pod.Plan);
        var attempt = pod.SandboxAttempt + (hadSandbox ? 1 : 0);
        var sandbox = await runtime.RunPodSandboxAsync(await (ContainerConfigs.Sandbox(manifest, pod.Plan, runtime.Options.LogRoot) with { Attempt = attempt }).WithUserNamespaceAsync(manifest, runtime, PodDirectory(pod), ct), ct);
        var containers = pod.Containers.Select(c =>
        {
            var ran = c.Id is not null || c.LastState is not null;
            // Under OnFailure a container whose last run succeeded stays done, as the kubelet
            // decides from the last exit code: also when it exited just before the sandbox died
            // and no sync had marked it done yet.
            var keepDone = !c.Init && policy == RestartPolicy.OnFailure && c.LastState?.ExitCode == 0;
            return keepDone
                ? c with { Id = null }
                : c with { Id = null, Done = false, BackoffUntil = null, RestartCount = ran ? c.RestartCount + 1 : c.RestartCount };
        });
        return await SaveAsync(pod with { SandboxId = sandbox.Id, SandboxAttempt = attempt, Containers = [.. containers] }, ct);
    }

    private string PodDirectory(PodRecord pod) => records.DirectoryOf(pod.Uid);

    public static V1Container SpecOf(V1Pod manifest, PodContainer container) =>
        (container.Init ? manifest.Spec.InitContainers : manifest.Spec.Containers).Single(c => c.Name == container.Name);

    public static Termination TerminationOf(ContainerRecord record) =>
        new(record.ExitCode ?? 0, record.Reason ?? "Error", record.Signal, record.StartedAt, record.FinishedAt);

    public static PodRecord AddEvent(PodRecord pod, string type, string reason, string message, string? container = null) =>
        pod with { Events = [.. pod.Events.Append(new PodEvent(DateTimeOffset.UtcNow, type, reason, message, container)).TakeLast(MaxEvents)] };

    private Task<ContainerRecord?> RecordOfAsync(PodContainer container, CancellationToken ct) =>
        container.Id is null ? Task.FromResult<ContainerRecord?>(null) : runtime.GetContainerAsync(container.Id, ct);

    private static PodContainer Container(PodRecord pod, string name, bool init) => pod.Containers.Single(c => c.Name == name && c.Init == init);

    private static PodRecord Update(PodRecord pod, PodContainer container) =>
        pod with { Containers = [.. pod.Containers.Select(c => c.Name == container.Name && c.Init == container.Init ? container : c)] };

    private Task<PodRecord> SaveAsync(PodRecord pod, CancellationToken ct) => records.SaveAsync(pod, ct);
}
