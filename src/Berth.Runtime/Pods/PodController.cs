using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Core.Serialization;
using Berth.Images;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.Model;
using Berth.Runtime.Store;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// The standalone front door: does the kubelet's part for pods from manifests (QoS and pod
/// cgroups, volumes, container configs, init order, phases, events) and drives
/// <see cref="PodRuntime"/>, the same runtime the CRI path uses.
/// </summary>
public sealed class PodController
{
    private const int MaxEvents = 100;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly PodRuntime runtime;
    private readonly ICgroupDriver cgroups;
    private readonly IImageStore images;
    private readonly NodeFacts node;
    private readonly ILogger logger;
    private readonly RecordStore<PodRecord> store;
    private readonly ConcurrentDictionary<string, PodRecord> pods = new();
    private readonly SemaphoreSlim podsGate = new(1, 1);

    public PodController(PodRuntime runtime, ICgroupDriver cgroups, IImageStore images, ILogger<PodController> logger)
    {
        this.runtime = runtime;
        this.cgroups = cgroups;
        this.images = images;
        this.logger = logger;
        var options = runtime.Options;
        node = new NodeFacts(cgroups.Version, CgroupDriver.Cgroupfs, options.CgroupRoot, HostFacts.MemoryCapacity(), options.PodPidsLimit);
        store = new RecordStore<PodRecord>(options.PodsDir);
        foreach (var pod in store.LoadAll())
        {
            pods[pod.Uid] = pod;
        }
    }

    public NodeFacts Node => node;

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

    // ---------------------------------------------------------------- play

    /// <summary>Creates every pod of the set and waits until each runs or fails.</summary>
    public async Task<IReadOnlyList<PodStatus>> PlayAsync(ManifestSet set, TimeSpan timeout, CancellationToken ct)
    {
        await podsGate.WaitAsync(ct);
        var created = new List<PodRecord>();
        try
        {
            var plans = set.Pods.Select(p => (Manifest: p, Plan: PodPlanner.Plan(p, node))).ToList();
            Preflight(plans);
            foreach (var (manifest, plan) in plans)
            {
                created.Add(await CreatePodAsync(manifest, plan, ct));
            }
        }
        finally
        {
            podsGate.Release();
        }

        var result = new List<PodStatus>();
        foreach (var pod in created)
        {
            result.Add(await RunContainersAsync(pod, timeout, ct));
        }

        return result;
    }

    /// <summary>Everything that can be checked before anything is created, as field errors.</summary>
    private void Preflight(IReadOnlyList<(PodManifest Manifest, PodPlan Plan)> plans)
    {
        var errors = new List<FieldError>();
        foreach (var (manifest, plan) in plans)
        {
            void Add(string path, string message) => errors.Add(new FieldError(manifest.Source, path, message));
            var spec = manifest.Pod.Spec;
            if (pods.Values.Any(p => p.Name == plan.Name && p.Namespace == plan.Namespace))
            {
                Add("metadata.name", $"Duplicate value: pod {plan.Namespace}/{plan.Name} already exists");
            }

            if (pods.ContainsKey(plan.Uid))
            {
                Add("metadata.uid", $"Duplicate value: a pod with uid {plan.Uid} already exists");
            }

            for (var v = 0; v < (spec.Volumes?.Count ?? 0); v++)
            {
                var volume = spec.Volumes![v];
                if (volume.EmptyDir is null && volume.HostPath is null)
                {
                    Add($"spec.volumes[{v}]", "Unsupported value: only emptyDir and hostPath volumes are supported");
                }
                else if (volume.HostPath is { } hostPath && (!hostPath.Path.StartsWith('/') || hostPath.Path.Split('/').Contains("..")))
                {
                    Add($"spec.volumes[{v}].hostPath.path", $"Invalid value: \"{hostPath.Path}\": must be an absolute path without '..'");
                }
            }

            foreach (var (list, path) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
            {
                for (var i = 0; i < (list?.Count ?? 0); i++)
                {
                    var container = list![i];
                    if (images.Find(container.Image) is null)
                    {
                        Add($"{path}[{i}].image", $"Not found: \"{container.Image}\": no such image on this node (berth image import ROOTFS {container.Image})");
                    }

                    if (container.Command is not { Count: > 0 } && container.Args is not { Count: > 0 })
                    {
                        Add($"{path}[{i}].command", "Required value: the image has no default command");
                    }

                    for (var e = 0; e < (container.Env?.Count ?? 0); e++)
                    {
                        if (container.Env![e].ValueFrom is not null)
                        {
                            Add($"{path}[{i}].env[{e}].valueFrom", "Unsupported value: only literal values are supported");
                        }
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>Pod cgroup, volumes and sandbox; on any failure everything made so far is undone.</summary>
    private async Task<PodRecord> CreatePodAsync(PodManifest manifest, PodPlan plan, CancellationToken ct)
    {
        var undo = new Stack<Func<Task>>();
        var events = new List<PodEvent> { Event("Normal", "Scheduled", $"assigned {plan.Namespace}/{plan.Name} to {Environment.MachineName}") };
        try
        {
            cgroups.Create(plan.CgroupParent);
            undo.Push(() => Task.Run(() => cgroups.Remove(plan.CgroupParent), CancellationToken.None));
            cgroups.Apply(plan.CgroupParent, new CgroupValues(plan.CpuShares, plan.CpuQuota, plan.CpuPeriod, plan.MemoryLimit, plan.PidsLimit));

            var podDir = Path.Combine(runtime.Options.PodsDir, plan.Uid);
            undo.Push(() => Task.Run(() => DeleteDirectory(podDir), CancellationToken.None));
            PrepareVolumes(manifest.Pod, podDir);

            var logDir = ContainerConfigs.LogDirectory(runtime.Options.LogRoot, plan);
            undo.Push(() => Task.Run(() => DeleteDirectory(logDir), CancellationToken.None));
            var sandbox = await runtime.RunPodSandboxAsync(ContainerConfigs.Sandbox(manifest.Pod, plan, runtime.Options.LogRoot), ct);
            undo.Push(() => runtime.RemovePodSandboxAsync(sandbox.Id, CancellationToken.None));

            var containers = (manifest.Pod.Spec.InitContainers ?? []).Select(c => new PodContainer(c.Name, true, null, 0))
                .Concat(manifest.Pod.Spec.Containers.Select(c => new PodContainer(c.Name, false, null, 0)));
            var record = new PodRecord
            {
                Uid = plan.Uid,
                Name = plan.Name,
                Namespace = plan.Namespace,
                ManifestJson = KubernetesJson.Serialize(manifest.Pod),
                HostCgroupNamespace = manifest.HostCgroupNamespace,
                Plan = plan,
                SandboxId = sandbox.Id,
                Containers = [.. containers],
                Events = events,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            await SaveAsync(record, ct);
            if (plan.QosClass == QosClass.Burstable)
            {
                UpdateBurstableShares();
            }

            return record;
        }
        catch (Exception e)
        {
            logger.LogWarning("Creating pod {Namespace}/{Pod} failed, rolling back: {Error}", plan.Namespace, plan.Name, e.Message);
            while (undo.TryPop(out var step))
            {
                try
                {
                    await step();
                }
                catch (Exception undoError)
                {
                    logger.LogError("Rollback step failed: {Error}", undoError.Message);
                }
            }

            throw;
        }
    }

    /// <summary>Init containers one at a time to success, then the app containers; waits until
    /// the pod runs or fails. A container that cannot be created removes the whole pod.</summary>
    private async Task<PodStatus> RunContainersAsync(PodRecord pod, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var manifest = Manifest(pod);
        try
        {
            foreach (var container in pod.Containers)
            {
                var spec = (container.Init ? manifest.Spec.InitContainers : manifest.Spec.Containers).Single(c => c.Name == container.Name);
                pod = await StartContainerAsync(pod, container, spec, deadline.Token);
                if (container.Init && !await InitSucceededAsync(pod, container.Name, deadline.Token))
                {
                    break;
                }
            }

            // Run-to-completion pods: give short-lived containers their moment before reporting.
            var status = await StatusAsync(pod, ct);
            while (status.Phase == PodPhase.Pending && !deadline.IsCancellationRequested)
            {
                await Task.Delay(PollInterval, deadline.Token);
                status = await StatusAsync(pod, ct);
            }

            return status;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return await StatusAsync(pod, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Pod {Namespace}/{Pod} could not start its containers, removing it: {Error}", pod.Namespace, pod.Name, e.Message);
            await RemovePodAsync(pod, TimeSpan.Zero, CancellationToken.None);
            throw;
        }
    }

    private async Task<PodRecord> StartContainerAsync(PodRecord pod, PodContainer container, V1Container spec, CancellationToken ct)
    {
        var manifest = Manifest(pod);
        var plan = pod.Plan.Containers.Single(c => c.Name == container.Name && c.Init == container.Init);
        var config = ContainerConfigs.Container(manifest, spec, plan, container.RestartCount, VolumePaths(manifest, Path.Combine(runtime.Options.PodsDir, pod.Uid)));
        var record = await runtime.CreateContainerAsync(pod.SandboxId!, config, ct);
        pod = pod with { Containers = [.. pod.Containers.Select(c => c.Name == container.Name ? c with { Id = record.Id } : c)] };
        pod = AddEvent(pod, Event("Normal", "Created", $"Created container {container.Name}", container.Name));
        await SaveAsync(pod, ct);
        await runtime.StartContainerAsync(record.Id, ct);
        pod = AddEvent(pod, Event("Normal", "Started", $"Started container {container.Name}", container.Name));
        await SaveAsync(pod, ct);
        return pod;
    }

    private async Task<bool> InitSucceededAsync(PodRecord pod, string name, CancellationToken ct)
    {
        var id = pod.Containers.Single(c => c.Name == name).Id!;
        while (true)
        {
            var record = await runtime.GetContainerAsync(id, ct);
            if (record?.State == ContainerState.Exited)
            {
                return record.ExitCode == 0;
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    // ---------------------------------------------------------------- down, status

    public async Task<IReadOnlyList<string>> DownAsync(IEnumerable<string> podRefs, int? gracePeriodSeconds, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var reference in podRefs)
        {
            var pod = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
            var grace = TimeSpan.FromSeconds(gracePeriodSeconds ?? Manifest(pod).Spec.TerminationGracePeriodSeconds ?? 30);
            await RemovePodAsync(pod, grace, ct);
            removed.Add($"{pod.Namespace}/{pod.Name}");
        }

        return removed;
    }

    private async Task RemovePodAsync(PodRecord pod, TimeSpan grace, CancellationToken ct)
    {
        // App containers in reverse start order, then init containers (sidecars), each with its grace period.
        foreach (var container in pod.Containers.Reverse().Where(c => c.Id is not null))
        {
            await runtime.StopContainerAsync(container.Id!, grace, ct);
        }

        if (pod.SandboxId is not null)
        {
            await runtime.RemovePodSandboxAsync(pod.SandboxId, ct);
        }

        cgroups.Remove(pod.Plan.CgroupParent);
        DeleteDirectory(Path.Combine(runtime.Options.PodsDir, pod.Uid));
        DeleteDirectory(ContainerConfigs.LogDirectory(runtime.Options.LogRoot, pod.Plan));
        store.Delete(pod.Uid);
        pods.TryRemove(pod.Uid, out _);
        if (pod.Plan.QosClass == QosClass.Burstable)
        {
            UpdateBurstableShares();
        }

        logger.LogInformation("Pod {Namespace}/{Pod} removed", pod.Namespace, pod.Name);
    }

    /// <summary>"name", "namespace/name" or a uid (or its unique prefix).</summary>
    public PodRecord? Find(string reference)
    {
        var slash = reference.IndexOf('/');
        var (ns, name) = slash < 0 ? (null, reference) : (reference[..slash], reference[(slash + 1)..]);
        var byName = pods.Values.Where(p => p.Name == name && (ns is null || p.Namespace == ns)).ToList();
        if (byName.Count == 1)
        {
            return byName[0];
        }

        return Ids.Resolve(reference, pods.Keys) is { } uid ? pods[uid] : null;
    }

    public async Task<IReadOnlyList<PodStatus>> ListAsync(CancellationToken ct)
    {
        var result = new List<PodStatus>();
        foreach (var pod in pods.Values.OrderBy(p => p.CreatedAt))
        {
            result.Add(await StatusAsync(pod, ct));
        }

        return result;
    }

    public async Task<PodStatus> StatusAsync(PodRecord pod, CancellationToken ct)
    {
        pod = pods.GetValueOrDefault(pod.Uid) ?? pod;
        var containers = new List<ContainerStatus>();
        foreach (var c in pod.Containers)
        {
            containers.Add(new ContainerStatus(c, c.Id is null ? null : await runtime.GetContainerAsync(c.Id, ct)));
        }

        var policy = Manifest(pod).Spec.RestartPolicy ?? "Always";
        var phase = PodPhase.Of(policy, [.. containers.Select(c => (c.Container.Init, c.Record))]);
        return new PodStatus(pod, phase, pod.SandboxId is null ? null : runtime.GetSandbox(pod.SandboxId), containers);
    }

    /// <summary>The stable inspect document: the plan's pod object plus what the node made of it.</summary>
    public async Task<JsonObject> InspectAsync(string reference, CancellationToken ct)
    {
        var pod = Find(reference) ?? throw new NotFoundException($"pod \"{reference}\" not found");
        var status = await StatusAsync(pod, ct);
        var doc = BerthJson.ToNode(pod.Plan)!.AsObject();
        doc["phase"] = status.Phase;
        doc["infraPid"] = status.Sandbox?.State == SandboxState.Ready ? status.Sandbox.InfraPid : 0;
        doc["sandboxId"] = pod.SandboxId;
        doc["createdAt"] = pod.CreatedAt;
        doc["events"] = BerthJson.ToNode(pod.Events);
        var containers = doc["containers"]!.AsArray();
        foreach (var node in containers)
        {
            var c = node!.AsObject();
            var s = status.Containers.Single(x => x.Container.Name == (string?)c["name"]);
            var running = s.Record?.State == ContainerState.Running;
            c["id"] = s.Record?.Id;
            c["state"] = s.State;
            c["pid"] = running ? s.Record!.Pid : 0;
            c["exitCode"] = s.Record?.ExitCode;
            c["reason"] = s.Record?.Reason;
            c["restartCount"] = s.Container.RestartCount;
            c["cgroupPath"] = s.Record?.CgroupPath;
            c["startedAt"] = s.Record?.StartedAt;
            c["finishedAt"] = s.Record?.FinishedAt;
            c["namespaceInodes"] = running && ProcessTable.IsAlive(s.Record!.Pid) ? BerthJson.ToNode(NamespaceInodes.Read(s.Record.Pid)) : new JsonObject();
        }

        return doc;
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
        return ResolveContainer(pod, containerName).Id ?? throw new PreconditionException($"container {containerName} has not been created");
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
        var specs = pods.Values.Where(p => p.Plan.QosClass == QosClass.Burstable).Select(p => Manifest(p).Spec);
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
            else if (volume.HostPath is { Type: "DirectoryOrCreate" } hostPath)
            {
                Directory.CreateDirectory(hostPath.Path);
            }
        }
    }

    private static IReadOnlyDictionary<string, string> VolumePaths(V1Pod pod, string podDir) =>
        (pod.Spec.Volumes ?? []).ToDictionary(v => v.Name, v => v.HostPath?.Path ?? Path.Combine(podDir, "volumes", v.Name));

    private static V1Pod Manifest(PodRecord pod) => KubernetesJson.Deserialize<V1Pod>(pod.ManifestJson, null);

    private static PodEvent Event(string type, string reason, string message, string? container = null) =>
        new(DateTimeOffset.UtcNow, type, reason, message, container);

    private static PodRecord AddEvent(PodRecord pod, PodEvent e) =>
        pod with { Events = [.. pod.Events.Append(e).TakeLast(MaxEvents)] };

    private async Task SaveAsync(PodRecord pod, CancellationToken ct)
    {
        await store.SaveAsync(pod.Uid, pod, ct);
        pods[pod.Uid] = pod;
    }

    private static void DeleteDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
