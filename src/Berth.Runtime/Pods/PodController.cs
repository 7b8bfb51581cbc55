using System.Text.Json.Nodes;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Core.Serialization;
using Berth.Images;
using Berth.Images.Registry;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.Model;
using Berth.Runtime.Specs;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// The standalone front door: does the kubelet's part for pods from manifests (QoS and pod
/// cgroups, volumes, admission checks, termination, recovery) and drives <see cref="PodRuntime"/>,
/// the same runtime the CRI path uses. <see cref="PodSync"/> keeps each pod as its spec says.
/// </summary>
public sealed class PodController
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly PodRuntime runtime;
    private readonly ICgroupDriver cgroups;
    private readonly IImageStore images;
    private readonly PodRecords records;
    private readonly PodSync sync;
    private readonly LifecycleOptions lifecycle;
    private readonly NodeFacts node;
    private readonly ILogger logger;
    private readonly SemaphoreSlim admission = new(1, 1);

    public PodController(PodRuntime runtime, ICgroupDriver cgroups, IImageStore images, LifecycleOptions lifecycle, ILoggerFactory loggers)
    {
        this.runtime = runtime;
        this.cgroups = cgroups;
        this.images = images;
        this.lifecycle = lifecycle;
        logger = loggers.CreateLogger<PodController>();
        var options = runtime.Options;
        node = new NodeFacts(cgroups.Version, CgroupDriver.Cgroupfs, options.CgroupRoot, HostFacts.MemoryCapacity(), options.PodPidsLimit);
        records = new PodRecords(options.PodsDir);
        sync = new PodSync(runtime, records, cgroups, lifecycle, loggers.CreateLogger<PodSync>());
    }

    public NodeFacts Node => node;

    /// <summary>
    /// Raised with a pod's last record just before it is deleted. Its termination events (Killing)
    /// are never saved, so without this an event follower could not see how a pod ended.
    /// Handlers run on the removal path: they must neither block nor throw.
    /// </summary>
    public event Action<PodRecord>? Removing;

    public PodRecords Records => records;

    /// <summary>Static pods whose manifests were refused: shown, never run.</summary>
    public RefusedPods Refused { get; } = new();

    private CgroupName Root => CgroupName.Root(node.CgroupRoot, node.CgroupDriver);

    /// <summary>Creates the node-level QoS cgroups with the kubelet's cpu shares.</summary>
    public void EnsureQosCgroups()
    {
        var kubepods = Root.Child(CgroupName.KubepodsComponent).ToCgroupfs();
        cgroups.Create(kubepods);
        cgroups.Apply(kubepods, new CgroupValues(CpuShares: QosCgroupValues.KubepodsShares(Environment.ProcessorCount * 1000L)));
        var besteffort = CgroupName.ForQos(Root, QosClass.BestEffort).ToCgroupfs();
        cgroups.Create(besteffort);
        cgroups.Apply(besteffort, new CgroupValues(CpuShares: QosCgroupValues.BestEffortShares));
        UpdateBurstableShares();
    }

    // ---------------------------------------------------------------- recovery and supervision

    /// <summary>
    /// After an agent crash or a reboot: removes what an interrupted operation left (runtime
    /// orphans, pods whose creation never finished: whole or nothing), and containers a pod no
    /// longer references, so that nothing runs twice. Exits that happened meanwhile are read from
    /// the monitors' files by the next sync, which applies the restart policy once.
    /// </summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        await runtime.ReconcileAsync(ct);
        foreach (var pod in records.All)
        {
            using var _ = await records.LockAsync(pod.Uid, ct);
            if (pod.Lifecycle == PodLifecycle.Creating)
            {
                logger.LogWarning("Pod {Namespace}/{Pod} was being created when the agent stopped: removing it (whole or nothing)", pod.Namespace, pod.Name);
                await RemovePodAsync(pod, TimeSpan.Zero, ct);
                continue;
            }

            var referenced = pod.Containers.Select(c => c.Id).OfType<string>().ToHashSet();
            foreach (var sandbox in runtime.SandboxesOfPod(pod.Uid))
            {
                if (sandbox.Id != pod.SandboxId)
                {
                    await runtime.RemovePodSandboxAsync(sandbox.Id, ct);
                    continue;
                }

                foreach (var stray in runtime.ContainersOf(sandbox.Id).Where(c => !referenced.Contains(c.Id)))
                {
                    logger.LogWarning("Removing container {ContainerId} of pod {Pod}: no record refers to it", stray.Id, pod.Name);
                    await runtime.RemoveContainerAsync(stray.Id, ct);
                }
            }
        }

        SubPaths.Reconcile(runtime.Options.PodsDir, records.All.Where(p => p.SandboxId is not null).SelectMany(p => runtime.ContainersOf(p.SandboxId!).Select(c => (p.Uid, c.Config.Name))));
    }

    /// <summary>Syncs every pod, forever: restarts, back-off, init order, sandbox changes.</summary>
    public async Task SuperviseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            foreach (var uid in records.Uids.ToList())
            {
                await SyncOneAsync(uid, ct);
            }

            await Task.Delay(lifecycle.SyncInterval, ct);
        }
    }

    private async Task<PodRecord?> SyncOneAsync(string uid, CancellationToken ct)
    {
        using var _ = await records.LockAsync(uid, ct);
        if (records.Get(uid) is not { } pod)
        {
            return null;
        }

        try
        {
            return await sync.SyncAsync(pod, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Syncing pod {Namespace}/{Pod} failed: {Error}", pod.Namespace, pod.Name, e.Message);
            pod = records.Get(uid) ?? pod;
            if (pod.Events.LastOrDefault() is not { Reason: "FailedSync" } last || last.Message != e.Message)
            {
                await records.SaveAsync(PodSync.AddEvent(pod, "Warning", "FailedSync", e.Message) with { Message = e.Message }, ct);
            }

            return pod;
        }
    }

    // ---------------------------------------------------------------- play

    /// <summary>Creates every pod of the set and waits until each runs or fails.</summary>
    public async Task<IReadOnlyList<PodStatus>> PlayAsync(ManifestSet set, TimeSpan timeout, CancellationToken ct)
    {
        var created = new List<PodRecord>();
        await admission.WaitAsync(ct);
        try
        {
            var plans = set.Pods.Select(p => (Manifest: p, Plan: PodPlanner.Plan(p, node))).ToList();
            Preflight(plans);
            var pulled = await EnsureImagesAsync(plans, set.Secrets, ct);
            foreach (var (manifest, plan) in plans)
            {
                created.Add(await CreatePodAsync(manifest, plan, source: null, pulled, ct));
            }
        }
        finally
        {
            admission.Release();
        }

        var result = new List<PodStatus>();
        foreach (var pod in created)
        {
            result.Add(await StartPodAsync(pod.Uid, timeout, ct));
        }

        return result;
    }

    /// <summary>Creates a pod from a manifest without waiting for it (static pods).</summary>
    public async Task<PodRecord> AddAsync(PodManifest manifest, string? source, CancellationToken ct)
    {
        await admission.WaitAsync(ct);
        try
        {
            var plan = PodPlanner.Plan(manifest, node);
            Preflight([(manifest, plan)]);
            var pulled = await EnsureImagesAsync([(manifest, plan)], [], ct);
            return await CreatePodAsync(manifest, plan, source, pulled, ct);
        }
        finally
        {
            admission.Release();
        }
    }

    /// <summary>What only the node can check before anything is created, as field errors. What the
    /// manifest alone decides was checked when it was read (RuntimeSupport, PodFieldCatalog), so
    /// plan refuses it too.</summary>
    private void Preflight(IReadOnlyList<(PodManifest Manifest, PodPlan Plan)> plans)
    {
        var errors = new List<FieldError>();
        foreach (var (manifest, plan) in plans)
        {
            void Add(string path, string message) => errors.Add(new FieldError(manifest.Source, path, message));
            if (records.All.Any(p => p.Name == plan.Name && p.Namespace == plan.Namespace) || plans.Count(p => p.Plan.Name == plan.Name && p.Plan.Namespace == plan.Namespace) > 1)
            {
                Add("metadata.name", $"Duplicate value: pod {plan.Namespace}/{plan.Name} already exists");
            }

            if (records.Get(plan.Uid) is not null)
            {
                Add("metadata.uid", $"Duplicate value: a pod with uid {plan.Uid} already exists");
            }

            // hostPath types are checked against what is there now: a node matter, so play's.
            var spec = manifest.Pod.Spec;
            for (var v = 0; v < (spec.Volumes?.Count ?? 0); v++)
            {
                if (spec.Volumes![v].HostPath is { } typed && HostPathVolumes.Check(typed, create: false) is { } problem)
                {
                    Add($"spec.volumes[{v}].hostPath.type", problem);
                }
            }

            NodeSecurityChecks.Check(manifest.Pod, lifecycle.Security, HostSecurityFeatures.Current, Add);
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>
    /// Gets every container's image per its imagePullPolicy, as the kubelet does before creating
    /// anything, then checks what needs the image (a command to run). Pull failures are reported
    /// per field. An image with no registry origin (imported from a directory or loaded without a
    /// repo digest) has nothing to pull from: under Always it is used as it is.
    /// </summary>
    /// <returns>Events to record per pod uid ("Pulled").</returns>
    private async Task<Dictionary<string, List<PodEvent>>> EnsureImagesAsync(IReadOnlyList<(PodManifest Manifest, PodPlan Plan)> plans, IReadOnlyList<V1Secret> secrets, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var events = new Dictionary<string, List<PodEvent>>();
        var pulledNow = new Dictionary<string, ImageRecord>(StringComparer.Ordinal);
        foreach (var (manifest, plan) in plans)
        {
            // Admission is scheduling here: Scheduled comes before any Pulled, as with the kubelet.
            var podEvents = events[plan.Uid] = [new PodEvent(DateTimeOffset.UtcNow, "Normal", "Scheduled", $"Successfully assigned {plan.Namespace}/{plan.Name} to {Environment.MachineName}")];
            var spec = manifest.Pod.Spec;
            foreach (var (list, listPath) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
            {
                for (var i = 0; i < (list?.Count ?? 0); i++)
                {
                    var container = list![i];
                    var path = $"{listPath}[{i}]";
                    var reference = ImageReference.Parse(container.Image);
                    var present = images.Find(container.Image);
                    var decision = ImagePullPolicies.Decide(ImagePullPolicies.Parse(container.ImagePullPolicy, reference), present is not null);
                    if (decision == PullDecision.Pull && present is { Origin: not ImageOrigin.Pulled })
                    {
                        decision = PullDecision.UseLocal;
                    }

                    ImageRecord? image = present;
                    switch (decision)
                    {
                        case PullDecision.FailNotPresent:
                            errors.Add(new FieldError(manifest.Source, $"{path}.image", $"Not found: \"{container.Image}\": not on this node and imagePullPolicy is Never (ErrImageNeverPull)"));
                            continue;
                        case PullDecision.Pull when pulledNow.TryGetValue(container.Image, out var again):
                            image = again;
                            break;
                        case PullDecision.Pull:
                            try
                            {
                                var credentials = PullSecrets.For(reference.Registry, manifest.Pod, plan.Namespace, secrets, out var missing);
                                podEvents.AddRange(missing.Select(name => new PodEvent(DateTimeOffset.UtcNow, "Warning", "FailedToRetrieveImagePullSecret", $"Unable to retrieve image pull secret {name}; pulling without it", container.Name)));
                                image = pulledNow[container.Image] = await images.PullAsync(container.Image, new PullOptions { Credentials = credentials }, null, ct);
                                podEvents.Add(new PodEvent(DateTimeOffset.UtcNow, "Normal", "Pulled", $"Successfully pulled image \"{container.Image}\"", container.Name));
                            }
                            catch (Exception e) when (e is RegistryException or FormatException or IOException or HttpRequestException or Berth.Images.Layers.LayerRejectedException)
                            {
                                var why = present is null ? "Not found" : "Invalid value";
                                errors.Add(new FieldError(manifest.Source, $"{path}.image", $"{why}: \"{container.Image}\": ErrImagePull: {e.Message}"));
                                continue;
                            }

                            break;
                        default:
                            podEvents.Add(new PodEvent(DateTimeOffset.UtcNow, "Normal", "Pulled", $"Container image \"{container.Image}\" already present on machine", container.Name));
                            break;
                    }

                    if (ImageCommand.Resolve(image!.Config, [.. container.Command ?? []], [.. container.Args ?? []]).Count == 0)
                    {
                        errors.Add(new FieldError(manifest.Source, $"{path}.command", $"Required value: neither the container nor its image {container.Image} says what to run"));
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return events;
    }

    /// <summary>
    /// Pod cgroup, volumes and sandbox. The record is written first as Creating, so an agent killed
    /// halfway removes the pod on its next start; on any failure everything made so far is undone.
    /// </summary>
    private async Task<PodRecord> CreatePodAsync(PodManifest manifest, PodPlan plan, string? source, Dictionary<string, List<PodEvent>> pulled, CancellationToken ct)
    {
        var containers = (manifest.Pod.Spec.InitContainers ?? []).Select(c => new PodContainer(c.Name, true, null, 0) { Sidecar = ContainerResources.IsRestartableInit(c) })
            .Concat(manifest.Pod.Spec.Containers.Select(c => new PodContainer(c.Name, false, null, 0)));
        var pod = new PodRecord
        {
            Uid = plan.Uid,
            Name = plan.Name,
            Namespace = plan.Namespace,
            ManifestJson = KubernetesJson.Serialize(manifest.Pod),
            HostCgroupNamespace = manifest.HostCgroupNamespace,
            Plan = plan,
            Lifecycle = PodLifecycle.Creating,
            Source = source,
            Containers = [.. containers],
            CreatedAt = DateTimeOffset.UtcNow,
        };
        pod = pod with { Events = [.. pulled.GetValueOrDefault(plan.Uid) ?? [], .. ManifestWarnings.Events(manifest)] };
        using var _ = await records.LockAsync(pod.Uid, ct);
        await records.SaveAsync(pod, ct);
        try
        {
            cgroups.Create(plan.CgroupParent);
            cgroups.Apply(plan.CgroupParent, new CgroupValues(plan.CpuShares, plan.CpuQuota, plan.CpuPeriod, plan.MemoryLimit, plan.PidsLimit));
            PrepareVolumes(manifest.Pod, sync.PodDirectory(pod));
            HostPathVolumes.Prepare(manifest);
            var sandbox = await runtime.RunPodSandboxAsync(await ContainerConfigs.Sandbox(manifest.Pod, plan, runtime.Options.LogRoot).WithUserNamespaceAsync(manifest.Pod, runtime, sync.PodDirectory(pod), ct), ct);
            pod = await records.SaveAsync(pod with { SandboxId = sandbox.Id, Lifecycle = PodLifecycle.Active }, ct);
            if (plan.QosClass == QosClass.Burstable)
            {
                UpdateBurstableShares();
            }

            return pod;
        }
        catch (Exception e)
        {
            logger.LogWarning("Creating pod {Namespace}/{Pod} failed, rolling back: {Error}", plan.Namespace, plan.Name, e.Message);
            await RemovePodAsync(pod, TimeSpan.Zero, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Syncs a new pod until it runs or fails. A container that cannot even be created
    /// (bad mount, runtime error) removes the whole pod and reports the cause.</summary>
    private async Task<PodStatus> StartPodAsync(string uid, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                PodRecord pod;
                using (await records.LockAsync(uid, deadline.Token))
                {
                    pod = records.Get(uid) ?? throw new NotFoundException($"pod {uid} was removed");
                    pod = await sync.SyncAsync(pod, deadline.Token);
                }

                var status = await StatusAsync(pod, ct);
                if (status.Phase != PodPhase.Pending || status.Containers.Any(c => c.WaitingReason == ContainerConfigException.Reason))
                {
                    return status;
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && records.Get(uid) is { } pod)
        {
            return await StatusAsync(pod, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException and not NotFoundException && records.Get(uid) is { } pod)
        {
            logger.LogWarning("Pod {Namespace}/{Pod} could not start its containers, removing it: {Error}", pod.Namespace, pod.Name, e.Message);
            using (await records.LockAsync(uid, CancellationToken.None))
            {
                await RemovePodAsync(pod, TimeSpan.Zero, CancellationToken.None);
            }

            throw;
        }
    }

    // ---------------------------------------------------------------- down

    public async Task<IReadOnlyList<string>> DownAsync(IEnumerable<string> podRefs, int? gracePeriodSeconds, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var reference in podRefs)
        {
            var found = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
            using var _ = await records.LockAsync(found.Uid, ct);
            var pod = records.Get(found.Uid) ?? found;
            var grace = TimeSpan.FromSeconds(gracePeriodSeconds ?? PodSync.ManifestOf(pod).Spec.TerminationGracePeriodSeconds ?? 30);
            await RemovePodAsync(pod, grace, ct);
            removed.Add($"{pod.Namespace}/{pod.Name}");
        }

        return removed;
    }

    /// <summary>
    /// The kubelet's termination: app containers stop together (preStop hook, then SIGTERM, then
    /// SIGKILL when the grace period is over), then sidecars in reverse start order, then the
    /// sandbox, the pod cgroup, volumes, logs and the record. Caller holds the pod's lock.
    /// </summary>
    private async Task RemovePodAsync(PodRecord pod, TimeSpan grace, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + grace;
        var manifest = PodSync.ManifestOf(pod);
        TimeSpan Remaining() => TimeSpan.FromTicks(Math.Max(0, (deadline - DateTimeOffset.UtcNow).Ticks));

        async Task StopAsync(PodContainer container)
        {
            if (container.Id is null || await runtime.GetContainerAsync(container.Id, ct) is not { State: ContainerState.Running })
            {
                return;
            }

            pod = PodSync.AddEvent(pod, "Normal", "Killing", $"Stopping container {container.Name}", container.Name);
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

        foreach (var sandbox in runtime.SandboxesOfPod(pod.Uid))
        {
            await runtime.RemovePodSandboxAsync(sandbox.Id, ct);
        }

        cgroups.Remove(pod.Plan.CgroupParent);
        SubPaths.CleanPod(sync.PodDirectory(pod)); // before the recursive delete, which must not go through a mount
        DeleteDirectory(sync.PodDirectory(pod));
        DeleteDirectory(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan));
        Removing?.Invoke(pod);
        records.Delete(pod.Uid);
        if (pod.Plan.QosClass == QosClass.Burstable)
        {
            UpdateBurstableShares();
        }

        logger.LogInformation("Pod {Namespace}/{Pod} removed", pod.Namespace, pod.Name);
    }

    // ---------------------------------------------------------------- status

    /// <summary>"name", "namespace/name" or a uid (or its unique prefix).</summary>
    public PodRecord? Find(string reference)
    {
        var slash = reference.IndexOf('/');
        var (ns, name) = slash < 0 ? (null, reference) : (reference[..slash], reference[(slash + 1)..]);
        var byName = records.All.Where(p => p.Name == name && (ns is null || p.Namespace == ns)).ToList();
        if (byName.Count == 1)
        {
            return byName[0];
        }

        return Ids.Resolve(reference, records.Uids) is { } uid ? records.Get(uid) : null;
    }

    public async Task<IReadOnlyList<PodStatus>> ListAsync(CancellationToken ct)
    {
        var result = new List<PodStatus>();
        foreach (var pod in records.All.Where(p => p.Lifecycle != PodLifecycle.Creating))
        {
            result.Add(await StatusAsync(pod, ct));
        }

        return result;
    }

    public async Task<PodStatus> StatusAsync(PodRecord pod, CancellationToken ct)
    {
        pod = records.Get(pod.Uid) ?? pod;
        var containers = new List<ContainerStatus>();
        foreach (var c in pod.Containers)
        {
            containers.Add(new ContainerStatus(c, c.Id is null ? null : await runtime.GetContainerAsync(c.Id, ct)));
        }

        var policy = PodSync.ManifestOf(pod).Spec.RestartPolicy ?? "Always";
        var phase = PodPhase.Of(pod.Lifecycle, policy, containers);
        return new PodStatus(pod, phase, pod.SandboxId is null ? null : runtime.GetSandbox(pod.SandboxId), containers);
    }

    /// <summary>The stable inspect document: the plan's pod object plus what the node made of it.</summary>
    public async Task<JsonObject> InspectAsync(string reference, CancellationToken ct)
    {
        var pod = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
        var status = await StatusAsync(pod, ct);
        var doc = BerthJson.ToNode(pod.Plan)!.AsObject();
        var ready = status.Sandbox?.State == SandboxState.Ready;
        doc["phase"] = status.Phase;
        doc["infraPid"] = ready ? status.Sandbox!.InfraPid : 0;
        doc["sandboxId"] = pod.SandboxId;
        doc["sandboxAttempt"] = pod.SandboxAttempt;
        doc["source"] = pod.Source;
        doc["message"] = pod.Message;
        doc["createdAt"] = pod.CreatedAt;
        doc["conditions"] = BerthJson.ToNode(Conditions(status));
        doc["events"] = BerthJson.ToNode(pod.Events);
        foreach (var node in doc["containers"]!.AsArray())
        {
            var c = node!.AsObject();
            var s = status.Containers.Single(x => x.Container.Name == (string?)c["name"] && x.Container.Init == (bool)c["init"]!);
            var running = s.Record?.State == ContainerState.Running;
            c["id"] = s.Record?.Id;
            c["state"] = s.State == "waiting" ? (s.Record is null ? "created" : "exited") : s.State;
            c["waitingReason"] = s.WaitingReason;
            c["waitingMessage"] = s.WaitingMessage;
            c["pid"] = running ? s.Record!.Pid : 0;
            c["exitCode"] = s.ExitCode;
            c["reason"] = s.Reason;
            c["signal"] = s.Record?.Signal;
            c["restartCount"] = s.Container.RestartCount;
            c["cgroupPath"] = s.Record?.CgroupPath;
            c["startedAt"] = s.Record?.StartedAt;
            c["finishedAt"] = s.Record?.FinishedAt;
            c["lastState"] = BerthJson.ToNode(s.Container.LastState);
            c["namespaceInodes"] = running ? BerthJson.ToNode(NamespaceInodes.Read(s.Record!.Pid)) : new JsonObject();
        }

        return doc;
    }

    /// <summary>Pod conditions as the kubelet reports them.</summary>
    private static IReadOnlyList<object> Conditions(PodStatus status)
    {
        var initialized = status.Containers.Where(c => c.Container.Init && !c.Container.Sidecar).All(c => c.Container.Done && c.ExitCode == 0);
        var containersReady = status.Containers.Where(c => !c.Container.Init || c.Container.Sidecar).All(c => c.State == "running");
        string Bool(bool b) => b ? "True" : "False";
        return
        [
            new { type = "PodScheduled", status = "True" },
            new { type = "Initialized", status = Bool(initialized) },
            new { type = "ContainersReady", status = Bool(containersReady) },
            new { type = "Ready", status = Bool(containersReady && status.Sandbox?.State == SandboxState.Ready) },
        ];
    }

    /// <summary>The log file of a container's current (or previous) instance.</summary>
    public string LogFile(string reference, string? containerName, bool previous)
    {
        var pod = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
        var container = ResolveContainer(pod, containerName);
        var restart = previous ? container.RestartCount - 1 : container.RestartCount;
        if (restart < 0)
        {
            throw new NotFoundException($"container {container.Name} of pod {pod.Name} has no previous instance");
        }

        return Path.Combine(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan), container.Name, $"{restart}.log");
    }

    public string ContainerId(string reference, string? containerName)
    {
        var pod = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
        return ResolveContainer(pod, containerName).Id ?? throw new PreconditionException($"container {containerName} has no running instance");
    }

    private static PodContainer ResolveContainer(PodRecord pod, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            var apps = pod.Containers.Where(c => !c.Init).ToList();
            return apps.Count == 1 ? apps[0]
                : throw new ArgumentException($"pod {pod.Name} has several containers ({string.Join(", ", apps.Select(c => c.Name))}): choose one with -c");
        }

        return pod.Containers.SingleOrDefault(c => c.Name == name) ?? throw new NotFoundException($"pod {pod.Name} has no container \"{name}\"");
    }

    // ---------------------------------------------------------------- helpers

    private void UpdateBurstableShares()
    {
        var burstable = CgroupName.ForQos(Root, QosClass.Burstable).ToCgroupfs();
        cgroups.Create(burstable);
        var specs = records.All.Where(p => p.Plan.QosClass == QosClass.Burstable).Select(p => PodSync.ManifestOf(p).Spec);
        cgroups.Apply(burstable, new CgroupValues(CpuShares: QosCgroupValues.BurstableShares(specs)));
    }

    private static void PrepareVolumes(V1Pod pod, string podDir)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is not null)
            {
                Directory.CreateDirectory(Path.Combine(podDir, "volumes", volume.Name));
            }
        }

        VolumeOwnership.ApplyToPod(pod, ContainerConfigs.VolumePaths(pod, podDir));
    }

    private static void DeleteDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
