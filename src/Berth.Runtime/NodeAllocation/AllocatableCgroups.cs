using System.Text.Json;
using Berth.Core.Capacity;
using Berth.Core.Planning;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.Pods;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.NodeAllocation;

/// <summary>
/// Node allocatable enforcement, as the kubelet's enforceNodeAllocatable
/// (pkg/kubelet/cm/node_container_manager_linux.go): <c>pods</c> limits kubepods to capacity
/// minus the reservations; <c>system-reserved</c> and <c>kube-reserved</c> limit the cgroups
/// the operator named (they must exist: the kubelet does not create them either) to their
/// reservations. Berth undoes what it set when the agent stops: kubepods gets the whole node
/// back, and the reserved cgroups get the values they had before. Those are kept in a file
/// under the run root, so an agent that was killed restores the operator's values, not its own.
/// </summary>
public sealed class AllocatableCgroups(ICgroupDriver cgroups, QosCgroups qos, NodeAllocatable allocatable, NodeProtectionOptions options, string stateFile, ILogger logger)
{
    /// <exception cref="InvalidOperationException">A reserved cgroup to enforce does not exist.</exception>
    public void Enforce()
    {
        var targets = Targets().ToList();
        foreach (var (name, path, _) in targets)
        {
            if (!cgroups.Exists(path))
            {
                throw new InvalidOperationException($"enforceNodeAllocatable has \"{name}\", but its cgroup {path} does not exist: create it first (the kubelet does not create it either)");
            }
        }

        var saved = Load();
        foreach (var (name, path, reserved) in targets)
        {
            var shares = reserved.MilliCpu is { } cpu ? CgroupMath.MilliCpuToShares(cpu) : (long?)null;
            var previous = cgroups.Limit(path, shares, reserved.Memory, reserved.Pids);
            saved.TryAdd(path, previous); // a run that was killed saved the operator's values first
            logger.LogInformation("enforcing {Name} on {Cgroup}: {Reserved}", name, path, string.Join(", ", reserved.ToResourceList().Select(r => $"{r.Key}={r.Value}")));
        }

        Save(saved);
        if (options.Enforce.HasFlag(AllocatableEnforcement.Pods))
        {
            qos.LimitKubepods(allocatable.KubepodsLimits);
        }
    }

    /// <summary>Lifts every limit <see cref="Enforce"/> set. Pods keep running.</summary>
    public void Release()
    {
        qos.LimitKubepods(null);
        foreach (var (path, files) in Load())
        {
            try
            {
                cgroups.RestoreFiles(path, files);
            }
            catch (IOException e)
            {
                logger.LogWarning("could not restore {Cgroup}'s values: {Message}", path, e.Message);
            }
        }

        File.Delete(stateFile);
    }

    private IEnumerable<(string Name, string Path, NodeResources Reserved)> Targets()
    {
        if (options.Enforce.HasFlag(AllocatableEnforcement.SystemReserved))
        {
            yield return ("system-reserved", options.SystemReservedCgroup!, options.SystemReserved);
        }

        if (options.Enforce.HasFlag(AllocatableEnforcement.KubeReserved))
        {
            yield return ("kube-reserved", options.KubeReservedCgroup!, options.KubeReserved);
        }
    }

    private Dictionary<string, IReadOnlyList<CgroupFileValue>> Load() =>
        File.Exists(stateFile)
            ? JsonSerializer.Deserialize<Dictionary<string, IReadOnlyList<CgroupFileValue>>>(File.ReadAllText(stateFile)) ?? []
            : [];

    private void Save(Dictionary<string, IReadOnlyList<CgroupFileValue>> saved)
    {
        if (saved.Count > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(stateFile)!);
            AtomicFile.Write(stateFile, JsonSerializer.Serialize(saved));
        }
    }
}
