using Berth.Core.Planning;
using Berth.Linux.Cgroups;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>A cgroup driver over an in-memory tree; killing a cgroup ends the fake containers in it.</summary>
public sealed class FakeCgroups(FakeOci oci, int version = 2) : ICgroupDriver
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, CgroupValues> cgroups = [];

    public int Version => version;

    public CpuWeightFormula WeightFormula { get; set; } = CpuWeightFormula.Linear;

    public string MountPoint => "/fake/cgroup";

    /// <summary>OOM kills the kernel counted per cgroup.</summary>
    public Dictionary<string, long> OomKillCounts { get; } = [];

    public List<string> Killed { get; } = [];

    public List<string> Removed { get; } = [];

    public void Create(string path)
    {
        lock (gate)
        {
            cgroups.TryAdd(path, new CgroupValues());
        }
    }

    public void Apply(string path, CgroupValues values)
    {
        lock (gate)
        {
            cgroups[path] = values;
        }
    }

    public bool Exists(string path)
    {
        lock (gate)
        {
            return cgroups.ContainsKey(path);
        }
    }

    public CgroupValues Read(string path)
    {
        lock (gate)
        {
            return cgroups[path];
        }
    }

    public string? ReadFile(string path, string? controller, string file) => null;

    /// <summary>Limits set on cgroups Berth does not own (reserved cgroups), by path.</summary>
    public Dictionary<string, (long? CpuShares, long? Memory, long? Pids)> Limits { get; } = [];

    public IReadOnlyList<CgroupFileValue> Limit(string path, long? cpuShares, long? memoryLimit, long? pidsLimit)
    {
        lock (gate)
        {
            if (!cgroups.ContainsKey(path))
            {
                throw new CgroupException($"{path} does not exist");
            }

            Limits[path] = (cpuShares, memoryLimit, pidsLimit);
            return [new CgroupFileValue(null, "previous", "unlimited")];
        }
    }

    public void RestoreFiles(string path, IReadOnlyList<CgroupFileValue> files)
    {
        lock (gate)
        {
            Limits.Remove(path);
        }
    }

    /// <summary>Pressure the fake kernel reports per cgroup.</summary>
    public Dictionary<string, PressureStats> PressureByPath { get; } = [];

    public PressureStats? Pressure(string path)
    {
        lock (gate)
        {
            return PressureByPath.GetValueOrDefault(path);
        }
    }

    public long OomKills(string path)
    {
        lock (gate)
        {
            return OomKillCounts.GetValueOrDefault(path);
        }
    }

    public IReadOnlyList<int> Processes(string path) => [];

    public Task<bool> KillAsync(string path, CancellationToken ct)
    {
        lock (gate)
        {
            Killed.Add(path);
        }

        oci.KillCgroup(path);
        return Task.FromResult(true);
    }

    public void Remove(string path)
    {
        lock (gate)
        {
            Removed.Add(path);
            foreach (var key in cgroups.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            {
                cgroups.Remove(key);
            }
        }
    }

    public IReadOnlyList<string> Directories(string path) => [MountPoint + path];
}
