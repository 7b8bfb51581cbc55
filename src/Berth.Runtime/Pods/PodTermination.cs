using Berth.Runtime.Model;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// The kubelet's pod termination (killPodWithSyncResult): app containers stop together (preStop
/// hook, then SIGTERM, then SIGKILL when the grace period is over), then sidecars in reverse start
/// order, then the sandbox, the pod cgroup, volumes, logs and the record.
/// </summary>
public sealed class PodTermination(PodRuntime runtime, PodRecords records, PodCgroups podCgroups, QosCgroups qos, ILogger logger)
{
    /// <summary>
    /// Raised with a pod's last record just before it is deleted. Its termination events (Killing)
    /// are never saved, so without this an event follower could not see how a pod ended.
    /// Handlers run on the removal path: they must neither block nor throw.
    /// </summary>
    public event Action<PodRecord>? Removing;

    /// <summary>Removes each pod, with its own grace period unless one is given.</summary>
    public async Task<IReadOnlyList<string>> DownAsync(IEnumerable<string> podRefs, int? gracePeriodSeconds, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var reference in podRefs)
        {
            var found = records.Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
            using var _ = await records.LockAsync(found.Uid, ct);
            var pod = records.Get(found.Uid) ?? found;
            var grace = TimeSpan.FromSeconds(gracePeriodSeconds ?? pod.Manifest.Spec.TerminationGracePeriodSeconds ?? 30);
            await RemovePodAsync(pod, grace, ct);
            removed.Add($"{pod.Namespace}/{pod.Name}");
        }

        return removed;
    }

    /// <summary>
    /// Evicts the pod as the kubelet's eviction manager does (evictPod, then killPod with a Failed
    /// status): its containers are stopped within <paramref name="gracePeriodSeconds"/> and its
    /// sandbox too, and it is marked so nothing of it runs again whatever its restartPolicy: phase
    /// Failed, reason Evicted, the message, the DisruptionTarget condition and a Warning "Evicted"
    /// event. The record stays, for ps and inspect, until the pod is removed. Static and critical
    /// pods are never evicted. Returns the evicted record, or null when the pod is gone, already
    /// ended or protected.
    /// </summary>
    public async Task<PodRecord?> EvictAsync(string uid, string message, long gracePeriodSeconds, DateTimeOffset now, CancellationToken ct, IReadOnlyDictionary<string, string>? annotations = null)
    {
        using var _ = await records.LockAsync(uid, ct);
        if (records.Get(uid) is not { Lifecycle: PodLifecycle.Active } pod)
        {
            return null;
        }

        // The kubelet refuses to evict a critical pod even if the ranking chose it (evictPod).
        if (pod.Source is not null || Core.Eviction.CriticalPod.Is(pod.Manifest))
        {
            logger.LogWarning("Not evicting pod {Namespace}/{Pod}: it is a static or critical pod", pod.Namespace, pod.Name);
            return null;
        }

        pod = PodSync.AddEvent(pod, "Warning", Core.Eviction.EvictionMessage.Reason, message);
        if (annotations is { Count: > 0 })
        {
            pod = pod with { Events = [.. pod.Events.SkipLast(1), pod.Events[^1] with { Annotations = annotations }] };
        }
        pod = await StopContainersAsync(pod, TimeSpan.FromSeconds(Math.Max(0, gracePeriodSeconds)), ct);
        if (pod.SandboxId is { } sandbox)
        {
            await runtime.StopPodSandboxAsync(sandbox, ct);
        }

        var ended = new List<PodContainer>();
        foreach (var container in pod.Containers)
        {
            var record = container.Id is null ? null : await runtime.GetContainerAsync(container.Id, ct);
            ended.Add(container with { Done = true, BackoffUntil = null, LastState = record is { State: ContainerState.Exited } ? PodSync.TerminationOf(record) : container.LastState });
        }

        pod = await records.SaveAsync(pod with
        {
            Lifecycle = PodLifecycle.Finished,
            Containers = ended,
            Reason = Core.Eviction.EvictionMessage.Reason,
            Message = message,
            NodeConditions = [.. pod.NodeConditions.Where(c => c.Type != DisruptionTarget), new PodNodeCondition(DisruptionTarget, "True", "TerminationByKubelet", message, now)],
        }, ct);
        qos.PodChanged(pod.Plan.QosClass);
        logger.LogWarning("Pod {Namespace}/{Pod} evicted: {Message}", pod.Namespace, pod.Name, message);
        return pod;
    }

    /// <summary>
    /// The kubelet's containerGC.DeleteAllUnusedContainers as node-level disk reclaim: the dead
    /// containers of finished pods (evicted, or ended by their restartPolicy) go with their
    /// writable layers. Berth already removes a restarted container's previous instance, so these
    /// are the only dead containers it keeps. The pod record stays, and with it each container's
    /// last state (exit code, reason, times), so ps and inspect show the same; a container whose
    /// last state was never recorded is kept. Returns how many were removed.
    /// </summary>
    public async Task<int> DeleteDeadContainersAsync(CancellationToken ct)
    {
        var removed = 0;
        foreach (var uid in records.All.Where(p => p.Lifecycle == PodLifecycle.Finished).Select(p => p.Uid).ToList())
        {
            using var _ = await records.LockAsync(uid, ct);
            if (records.Get(uid) is not { Lifecycle: PodLifecycle.Finished } pod)
            {
                continue;
            }

            var kept = new List<PodContainer>();
            foreach (var container in pod.Containers)
            {
                if (container is { Id: { } id, Done: true, LastState: not null }
                    && await runtime.GetContainerAsync(id, ct) is { State: ContainerState.Exited } record)
                {
                    await runtime.RemoveContainerAsync(record.Id, ct);
                    kept.Add(container with { Id = null });
                    removed++;
                }
                else
                {
                    kept.Add(container);
                }
            }

            if (!kept.SequenceEqual(pod.Containers))
            {
                await records.SaveAsync(pod with { Containers = kept }, ct);
            }
        }

        return removed;
    }

    /// <summary>The condition the kubelet adds to a pod it terminates (PodDisruptionConditions).</summary>
    public const string DisruptionTarget = "DisruptionTarget";

    /// <summary>Stops and removes everything of the pod. The caller holds the pod's lock.</summary>
    public async Task RemovePodAsync(PodRecord pod, TimeSpan grace, CancellationToken ct)
    {
        pod = await StopContainersAsync(pod, grace, ct);
        foreach (var sandbox in runtime.SandboxesOfPod(pod.Uid))
        {
            await runtime.RemovePodSandboxAsync(sandbox.Id, ct);
        }

        podCgroups.Remove(pod.Plan);
        var podDir = records.DirectoryOf(pod.Uid);
        SubPaths.CleanPod(podDir); // before the recursive delete, which must not go through a mount
        DeleteDirectory(podDir);
        DeleteDirectory(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan));
        Removing?.Invoke(pod);
        records.Delete(pod.Uid);
        qos.PodChanged(pod.Plan.QosClass);
        logger.LogInformation("Pod {Namespace}/{Pod} removed", pod.Namespace, pod.Name);
    }

    /// <summary>App containers stop together (preStop hook, then SIGTERM, then SIGKILL when the
    /// grace period is over), then sidecars in reverse start order. Returns the pod with its
    /// Killing events.</summary>
    private async Task<PodRecord> StopContainersAsync(PodRecord pod, TimeSpan grace, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + grace;
        var manifest = pod.Manifest;
        TimeSpan Remaining() => TimeSpan.FromTicks(Math.Max(0, (deadline - DateTimeOffset.UtcNow).Ticks));
        var events = new List<PodEvent>();

        async Task StopAsync(PodContainer container)
        {
            if (container.Id is null || await runtime.GetContainerAsync(container.Id, ct) is not { State: ContainerState.Running })
            {
                return;
            }

            lock (events)
            {
                events.Add(new PodEvent(DateTimeOffset.UtcNow, "Normal", "Killing", $"Stopping container {container.Name}", container.Name));
            }

            if (PodSync.SpecOf(manifest, container).Lifecycle?.PreStop?.Exec?.Command is { Count: > 0 } hook && Remaining() > TimeSpan.Zero)
            {
                try
                {
                    await runtime.ExecSyncAsync(container.Id, [.. hook], Remaining(), ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("preStop hook of {Container} failed: {Error}", container.Name, e.Message);
                }
            }

            await runtime.StopContainerAsync(container.Id, Remaining(), ct);
        }

        await Task.WhenAll(pod.Containers.Where(c => !c.Init).Select(StopAsync));
        foreach (var sidecar in pod.Containers.Where(c => c.Init).Reverse())
        {
            await StopAsync(sidecar);
        }

        foreach (var e in events)
        {
            pod = PodSync.AddEvent(pod, e.Type, e.Reason, e.Message, e.Container);
        }

        return pod;
    }

    private static void DeleteDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
