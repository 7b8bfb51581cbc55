using System.Text.Json.Nodes;
using Berth.Core.Capacity;
using Berth.Core.Lifecycle;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Images;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.NodeAllocation;
using Berth.Runtime.Policy;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// The standalone front door: does the kubelet's part for pods from manifests and drives
/// <see cref="PodRuntime"/>, the same runtime the CRI path uses. It coordinates the kubelet's
/// managers, each in its own class: <see cref="PodAdmission"/> (admit handlers),
/// <see cref="PodImages"/> (image manager), <see cref="QosCgroups"/> and <see cref="PodCgroups"/>
/// (container manager), <see cref="PodSync"/> (syncPod), <see cref="PodTermination"/> (killPod)
/// and <see cref="PodInspector"/> (status). There is no global lock: one lock per pod, and
/// admission reserves a pod's name and uid without holding anything across I/O.
/// </summary>
public sealed class PodController
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly PodRuntime runtime;
    private readonly PodRecords records;
    private readonly PodSync sync;
    private readonly LifecycleOptions lifecycle;
    private readonly NodeFacts node;
    private readonly ILogger logger;
    private readonly PodAdmission admission;
    private readonly NamespaceAdmission namespaceAdmission;
    private readonly PodImages images;
    private readonly QosCgroups qos;
    private readonly AllocatableCgroups allocatableCgroups;
    private readonly PodCgroups podCgroups;
    private readonly PodTermination termination;
    private readonly PodInspector inspector;

    /// <summary>Pods created by this agent that have not yet been seen Running: the pod start
    /// duration is observed once, at that first transition, as the kubelet's syncPod does.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> startPending = new(StringComparer.Ordinal);

    public PodController(PodRuntime runtime, ICgroupDriver cgroups, IImageStore images, LifecycleOptions lifecycle, ILoggerFactory loggers, NodePressure? pressure = null)
    {
        Pressure = pressure ?? new NodePressure();
        this.runtime = runtime;
        this.lifecycle = lifecycle;
        logger = loggers.CreateLogger<PodController>();
        var options = runtime.Options;
        var memory = HostFacts.MemoryCapacity();
        node = new NodeFacts(cgroups.Version, CgroupDriver.Cgroupfs, options.CgroupRoot, memory, options.PodPidsLimit, options.MemoryQos.For(cgroups.Version, memory), cgroups.WeightFormula);
        if (options.MemoryQos.Enabled && node.MemoryQos is null)
        {
            logger.LogWarning("the MemoryQoS feature gate needs cgroup v2; this node runs cgroup v{Version}, so it is off", cgroups.Version);
        }

        records = new PodRecords(options.PodsDir);
        Policies = new NamespacePolicies(Path.Combine(options.Root, "policy"));
        podCgroups = new PodCgroups(cgroups);
        Capacity = NodeCapacity.Read(options);
        Allocatable = new NodeAllocatable(Capacity, options.Node.SystemReserved, options.Node.KubeReserved, options.Node.EvictionHard);
        qos = new QosCgroups(cgroups, node, records, Capacity.MilliCpu!.Value);
        allocatableCgroups = new AllocatableCgroups(cgroups, qos, Allocatable, options.Node, Path.Combine(options.RunRoot, "reserved-cgroups.json"), loggers.CreateLogger<AllocatableCgroups>());
        namespaceAdmission = new NamespaceAdmission(Policies, () => options.Node.PodSecurity);
        sync = new PodSync(runtime, records, podCgroups, lifecycle, loggers.CreateLogger<PodSync>());
        admission = new PodAdmission(records, lifecycle.Security, node, () => NodeInfo, () => Pressure.PressureConditions);
        this.images = new PodImages(images);
        termination = new PodTermination(runtime, records, podCgroups, qos, loggers.CreateLogger<PodTermination>());
        inspector = new PodInspector(runtime, records, cgroups);
        termination.Removing += pod => startPending.TryRemove(pod.Uid, out _);
    }

    public NodeFacts Node => node;

    /// <inheritdoc cref="PodTermination.DeleteDeadContainersAsync"/>
    public Task<int> DeleteDeadContainersAsync(CancellationToken ct) => termination.DeleteDeadContainersAsync(ct);

    /// <summary>The node's pressure conditions as the eviction manager last decided them; admission reads them.</summary>
    public NodePressure Pressure { get; }

    /// <inheritdoc cref="PodTermination.Removing"/>
    public event Action<PodRecord>? Removing
    {
        add => termination.Removing += value;
        remove => termination.Removing -= value;
    }

    public PodRecords Records => records;

    /// <summary>A pod this agent created reached Running for the first time: the time since the
    /// agent first saw it (the kubelet's pod_start_duration_seconds).</summary>
    public event Action<PodRecord, TimeSpan>? Started;

    /// <summary>LimitRanges and Namespaces given to play.</summary>
    public NamespacePolicies Policies { get; }

    /// <summary>Static pods whose manifests were refused: shown, never run.</summary>
    public RefusedPods Refused { get; } = new();

    /// <inheritdoc cref="QosCgroups.Ensure"/>
    public void EnsureQosCgroups() => qos.Ensure();

    /// <summary>The node's capacity: cpu, memory, pids and ephemeral-storage.</summary>
    public NodeResources Capacity { get; }

    /// <summary>Node allocatable: capacity less the reservations and hard eviction thresholds.</summary>
    public NodeAllocatable Allocatable { get; }

    /// <summary>What admission checks a pod against: the node's name, labels, taints,
    /// allocatable and maxPods.</summary>
    public NodeInfo NodeInfo
    {
        get
        {
            var options = runtime.Options.Node;
            var labels = new Dictionary<string, string>(Core.Capacity.NodeInfo.WellKnownLabels(options.EffectiveNodeName, NodeArch), StringComparer.Ordinal);
            foreach (var (key, value) in options.NodeLabels)
            {
                labels[key] = value;
            }

            return new NodeInfo(options.EffectiveNodeName, labels, options.Taints, Allocatable.Allocatable, options.MaxPods);
        }
    }

    private static string NodeArch => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    /// <inheritdoc cref="AllocatableCgroups.Enforce"/>
    public void EnforceNodeAllocatable() => allocatableCgroups.Enforce();

    /// <inheritdoc cref="AllocatableCgroups.Release"/>
    public void ReleaseNodeAllocatable() => allocatableCgroups.Release();

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
                await termination.RemovePodAsync(pod, TimeSpan.Zero, ct);
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
            pod = await sync.SyncAsync(pod, ct);
            if (startPending.ContainsKey(uid))
            {
                ObserveStart(pod, await StatusAsync(pod, ct));
            }

            return pod;
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

    private void ObserveStart(PodRecord pod, PodStatus status)
    {
        if (status.Phase == PodPhase.Running && startPending.TryRemove(pod.Uid, out var firstSeen))
        {
            Started?.Invoke(pod, DateTimeOffset.UtcNow - firstSeen);
        }
        else if (status.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            startPending.TryRemove(pod.Uid, out _);
        }
    }

    // ---------------------------------------------------------------- play

    /// <summary>
    /// Stores the set's LimitRanges and Namespaces, then creates every pod of the set and waits
    /// until each runs or fails. The namespaces' admission (LimitRanger, Pod Security) runs
    /// first, against the stored policy and the set's own; a refused pod refuses the play, and
    /// then nothing of it is stored or created.
    /// </summary>
    public async Task<PlayOutcome> PlayAsync(ManifestSet set, TimeSpan timeout, CancellationToken ct)
    {
        var admitted = namespaceAdmission.Admit(set.Pods, set.LimitRanges, set.Namespaces);
        var created = await AdmitAndCreateAsync(admitted, set.Secrets, source: null, () => namespaceAdmission.SaveAsync(set.LimitRanges, set.Namespaces, ct), ct);
        var result = new List<PodStatus>();
        foreach (var pod in created)
        {
            result.Add(await StartPodAsync(pod.Uid, timeout, ct));
        }

        return new PlayOutcome(result, [.. admitted.SelectMany(a => a.Warnings)]);
    }

    /// <summary>Creates a pod from a manifest without waiting for it (static pods). As the
    /// kubelet's static pods, they pass no API server admission: no LimitRange, no Pod Security.</summary>
    public async Task<PodRecord> AddAsync(PodManifest manifest, string? source, CancellationToken ct) =>
        (await AdmitAndCreateAsync([new NamespaceAdmitted(manifest, [], [], null)], [], source, () => Task.CompletedTask, ct)).Single();

    /// <summary>The node's admission (names and uids reserved), the play's policy stored, images,
    /// then each pod's creation. The reservation ends once the records exist, or their creation failed.</summary>
    private async Task<IReadOnlyList<PodRecord>> AdmitAndCreateAsync(IReadOnlyList<NamespaceAdmitted> pods, IReadOnlyList<V1Secret> secrets, string? source, Func<Task> admittedAll, CancellationToken ct)
    {
        var firstSeen = DateTimeOffset.UtcNow;
        var plans = pods.Select(p => (p.Manifest, Plan: PodPlanner.Plan(p.Manifest, node))).ToList();
        using var reservation = admission.Admit(plans, isStatic: source is not null);
        await admittedAll();
        var pulled = await images.EnsureAsync(plans, secrets, ct);
        var created = new List<PodRecord>();
        for (var i = 0; i < plans.Count; i++)
        {
            created.Add(await CreatePodAsync(pods[i], plans[i].Plan, source, pulled, firstSeen, ct));
        }

        return created;
    }

    /// <summary>
    /// Pod cgroup, volumes and sandbox. The record is written first as Creating, so an agent killed
    /// halfway removes the pod on its next start; on any failure everything made so far is undone.
    /// </summary>
    private async Task<PodRecord> CreatePodAsync(NamespaceAdmitted admitted, PodPlan plan, string? source, Dictionary<string, List<PodEvent>> pulled, DateTimeOffset firstSeen, CancellationToken ct)
    {
        var manifest = admitted.Manifest;
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
            LimitRangeDefaults = admitted.Provenance,
        };
        List<PodEvent> audit = admitted.Audit is { } message ? [new PodEvent(DateTimeOffset.UtcNow, "Warning", "PodSecurityAudit", message)] : [];
        pod = pod with { Events = [.. audit, .. pulled.GetValueOrDefault(plan.Uid) ?? [], .. ManifestWarnings.Events(manifest)] };
        using var _ = await records.LockAsync(pod.Uid, ct);
        await records.SaveAsync(pod, ct);
        try
        {
            podCgroups.Ensure(plan);
            PrepareVolumes(manifest.Pod, records.DirectoryOf(pod.Uid));
            HostPathVolumes.Prepare(manifest);
            var sandbox = await runtime.RunPodSandboxAsync(await ContainerConfigs.Sandbox(manifest.Pod, plan, runtime.Options.LogRoot).WithUserNamespaceAsync(manifest.Pod, runtime, records.DirectoryOf(pod.Uid), ct), ct);
            pod = await records.SaveAsync(pod with { SandboxId = sandbox.Id, Lifecycle = PodLifecycle.Active }, ct);
            qos.PodChanged(plan.QosClass);
            startPending[pod.Uid] = firstSeen;

            return pod;
        }
        catch (Exception e)
        {
            logger.LogWarning("Creating pod {Namespace}/{Pod} failed, rolling back: {Error}", plan.Namespace, plan.Name, e.Message);
            await termination.RemovePodAsync(pod, TimeSpan.Zero, CancellationToken.None);
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
                ObserveStart(pod, status);
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
                await termination.RemovePodAsync(pod, TimeSpan.Zero, CancellationToken.None);
            }

            throw;
        }
    }

    // ---------------------------------------------------------------- down and status

    /// <inheritdoc cref="PodTermination.DownAsync"/>
    public Task<IReadOnlyList<string>> DownAsync(IEnumerable<string> podRefs, int? gracePeriodSeconds, CancellationToken ct) =>
        termination.DownAsync(podRefs, gracePeriodSeconds, ct);

    /// <inheritdoc cref="PodTermination.EvictAsync"/>
    public Task<PodRecord?> EvictAsync(string uid, string message, long gracePeriodSeconds, DateTimeOffset now, CancellationToken ct, IReadOnlyDictionary<string, string>? annotations = null) =>
        termination.EvictAsync(uid, message, gracePeriodSeconds, now, ct, annotations);

    /// <inheritdoc cref="PodRecords.Find"/>
    public PodRecord? Find(string reference) => records.Find(reference);

    public Task<IReadOnlyList<PodStatus>> ListAsync(CancellationToken ct) => inspector.ListAsync(ct);

    public Task<PodStatus> StatusAsync(PodRecord pod, CancellationToken ct) => inspector.StatusAsync(pod, ct);

    /// <inheritdoc cref="PodInspector.InspectAsync"/>
    public Task<JsonObject> InspectAsync(string reference, CancellationToken ct) => inspector.InspectAsync(reference, ct);

    /// <inheritdoc cref="PodInspector.LogFile"/>
    public string LogFile(string reference, string? containerName, bool previous) => inspector.LogFile(reference, containerName, previous);

    public string ContainerId(string reference, string? containerName) => inspector.ContainerId(reference, containerName);

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
}
