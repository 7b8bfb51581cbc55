using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Node.Eviction;
using Berth.Node.Stats;
using Berth.Runtime.Pods;
using k8s;

namespace Berth.Node.Tests.Eviction;

/// <summary>A clock the test moves.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A housekeeping pass made on demand from the test's current node, stamped with the clock.</summary>
internal sealed class FakeStats(ManualClock clock, Func<DateTimeOffset, StatsSnapshot> node) : IStatsProvider
{
    public Func<DateTimeOffset, StatsSnapshot> Node { get; set; } = node;

    public int Passes { get; private set; }

    public StatsSnapshot? Latest { get; private set; }

    public StatsSnapshot? Previous { get; private set; }

    public Task<StatsSnapshot> CollectAsync(CancellationToken ct)
    {
        Passes++;

        // Each pass is a little later than the last, as real housekeeping is: the manager acts
        // only on statistics newer than those of its previous decision.
        var snapshot = Node(clock.Now.AddMilliseconds(Passes));
        (Previous, Latest) = (Latest, snapshot);
        return Task.FromResult(snapshot);
    }
}

/// <summary>The node's pods and what the manager did to them.</summary>
internal sealed class FakeActions : IEvictionActions
{
    public List<PodRecord> Records { get; } = [];

    public List<(string Uid, string Message, long Grace)> Evicted { get; } = [];

    /// <summary>The annotations each eviction's event was given, by pod uid.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>?> Annotations { get; } = [];

    public int ImageCollections { get; private set; }

    /// <summary>The node-level reclaims in the order they ran ("containers", "images").</summary>
    public List<string> Reclaims { get; } = [];

    /// <summary>What deleting dead containers does to the node, besides being counted.</summary>
    public Action? OnDeleteContainers { get; set; }

    public Task<int> DeleteDeadContainersAsync(CancellationToken ct)
    {
        Reclaims.Add("containers");
        OnDeleteContainers?.Invoke();
        return Task.FromResult(0);
    }

    /// <summary>What deleting unused images does to the node, besides being counted.</summary>
    public Action? OnDeleteImages { get; set; }

    public IReadOnlyCollection<PodRecord> Pods => Records;

    public Task<long> DeleteUnusedImagesAsync(CancellationToken ct)
    {
        ImageCollections++;
        Reclaims.Add("images");
        OnDeleteImages?.Invoke();
        return Task.FromResult(0L);
    }

    public Task<PodRecord?> EvictAsync(string uid, string message, long gracePeriodSeconds, DateTimeOffset now, CancellationToken ct, IReadOnlyDictionary<string, string>? annotations = null)
    {
        Evicted.Add((uid, message, gracePeriodSeconds));
        Annotations[uid] = annotations;
        var i = Records.FindIndex(r => r.Uid == uid);
        Records[i] = Records[i] with { Lifecycle = PodLifecycle.Finished, Reason = "Evicted" };
        return Task.FromResult<PodRecord?>(Records[i]);
    }
}

internal static class EvictionPods
{
    /// <summary>An active pod record from a pod manifest (one container "c" unless the spec says otherwise).</summary>
    public static PodRecord Record(string name, string spec, string? source = null)
    {
        var manifest = ManifestReader.ReadText($"apiVersion: v1\nkind: Pod\nmetadata: {{ name: {name}, uid: uid-{name} }}\nspec:\n{spec}", $"{name}.yaml").Pods.Single();
        var plan = PodPlanner.Plan(manifest, NodeFacts.Default(2, 8L << 30));
        return new PodRecord
        {
            Uid = plan.Uid,
            Name = plan.Name,
            Namespace = plan.Namespace,
            ManifestJson = KubernetesJson.Serialize(manifest.Pod),
            Plan = plan,
            Lifecycle = PodLifecycle.Active,
            Source = source,
        };
    }

    public const string BestEffort = "  containers: [{ name: c, image: busybox }]\n";

    public const string Guaranteed = "  containers: [{ name: c, image: busybox, resources: { requests: { cpu: 100m, memory: 256Mi }, limits: { cpu: 100m, memory: 256Mi } } }]\n";

    /// <summary>The pod's sample: its working set and processes, its container's writable layer.</summary>
    public static PodSample Sample(PodRecord pod, DateTimeOffset at, ulong workingSet, ulong processes = 1, ulong rootfsBytes = 0, IReadOnlyList<VolumeSample>? volumes = null)
    {
        var usage = Snapshots.Usage(at, 1, workingSet) with { ProcessCount = processes };
        var container = new ContainerSample("id-" + pod.Name, "c", "busybox", "/c", at, usage, null, new ContainerLimits(null, null, null, null),
            new FilesystemSample(at, UsedBytes: rootfsBytes, InodesUsed: 1), new FilesystemSample(at, UsedBytes: 0, InodesUsed: 0), 0);
        return new PodSample(pod.Uid, pod.Namespace, pod.Name, "/pod", at, usage, null, [], volumes ?? [], null, [container]);
    }

    /// <summary>A node with <paramref name="memoryAvailable"/> bytes of its 8 GB free, the given
    /// node filesystem free bytes (of 100 000, images on it) and pods.</summary>
    public static StatsSnapshot Node(DateTimeOffset at, long memoryAvailable, long fsAvailable, long pidsAvailable, params PodSample[] pods)
    {
        var snapshot = Snapshots.Build(at);
        var node = snapshot.Node with
        {
            Usage = Snapshots.Usage(at, 1, (ulong)(8_000_000_000 - memoryAvailable)),
            MemoryCapacity = 8_000_000_000,
            NodeFs = new FilesystemSample(at, CapacityBytes: 100_000, AvailableBytes: (ulong)fsAvailable, Inodes: 1000, InodesFree: 900),
            ImageFs = null,
            MaxPid = 100_000,
            ProcessCount = 100_000 - pidsAvailable,
        };
        return new StatsSnapshot(at, node, pods);
    }
}
