using Berth.Core.Eviction;
using Berth.Node.Stats;
using Berth.Runtime.Pods;
using k8s.Models;

namespace Berth.Node.Eviction;

/// <summary>
/// The node's active pods as the eviction ranking sees them: identity, protection and requests
/// from each pod's manifest (<see cref="PodUsage.From"/>), usage from the housekeeping pass. A pod
/// the pass did not see has no statistics, which the kubelet's ranking puts first.
/// </summary>
public static class PodUsages
{
    /// <summary>The kubelet's activePods: pods not yet terminated. Finished pods hold nothing to reclaim.</summary>
    public static bool IsActive(PodRecord pod) => pod.Lifecycle == PodLifecycle.Active;

    public static IReadOnlyList<PodUsage> From(IEnumerable<PodRecord> pods, StatsSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var samples = snapshot.Pods.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        return [.. pods.Where(IsActive).Select(p => Of(p, samples.GetValueOrDefault(p.Uid)))];
    }

    private static PodUsage Of(PodRecord record, PodSample? sample)
    {
        // A pod from a file (staticPodPath) is static whatever its manifest says.
        var usage = PodUsage.From(record.Manifest) with
        {
            Uid = record.Uid,
            Namespace = record.Namespace,
            Name = record.Name,
            IsStatic = record.Source is not null || CriticalPod.IsStatic(record.Manifest),
        };
        if (sample is null)
        {
            return usage with { HasStats = false };
        }

        var containers = sample.Containers.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var localVolumes = LocalVolumeNames(record.Manifest);
        return usage with
        {
            MemoryWorkingSet = (long)(sample.Usage?.MemoryWorkingSet ?? 0),
            ProcessCount = (long)(sample.Usage?.ProcessCount ?? 0),
            LocalVolumes = sample.Volumes.Where(v => localVolumes.Contains(v.Name)).Aggregate(FsUsage.None, (sum, v) => sum.Plus(Fs(v.Usage))),
            Containers = [.. usage.Containers.Select(c => containers.TryGetValue(c.Name, out var seen)
                ? c with
                {
                    MemoryWorkingSet = seen.Usage?.MemoryWorkingSet is { } ws ? (long)ws : null,
                    Rootfs = seen.WritableLayer is { } layer ? Fs(layer) : null,
                    Logs = seen.Logs is { } logs ? Fs(logs) : null,
                }
                : c)],
        };
    }

    /// <summary>The kubelet's localVolumeNames: hostPath volumes and local ephemeral ones (emptyDir
    /// not backed by memory, configMap, downwardAPI, gitRepo), which count as the pod's disk use.</summary>
    private static HashSet<string> LocalVolumeNames(V1Pod pod) =>
        [.. (pod.Spec?.Volumes ?? []).Where(v => v.HostPath is not null
            || (v.EmptyDir is not null && v.EmptyDir.Medium != "Memory")
            || v.ConfigMap is not null || v.DownwardAPI is not null || v.GitRepo is not null).Select(v => v.Name)];

    private static FsUsage Fs(FilesystemSample fs) => new((long)(fs.UsedBytes ?? 0), (long)(fs.InodesUsed ?? 0));
}
