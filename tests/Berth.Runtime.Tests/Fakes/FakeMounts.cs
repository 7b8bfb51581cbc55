using Berth.Linux.Seams;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>A mount table that only records: overlay roots and bind mounts by target.</summary>
public sealed class FakeMounts : IMountTable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, string> mounts = [];

    /// <summary>Target → what is mounted there ("overlay lower=…" or the bind source).</summary>
    public IReadOnlyDictionary<string, string> Current
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<string, string>(mounts);
            }
        }
    }

    public void MountOverlay(string lowerDir, string upperDir, string workDir, string target)
    {
        lock (gate)
        {
            mounts[target] = $"overlay lower={lowerDir} upper={upperDir}";
        }
    }

    public void BindMount(string source, string target, bool readOnly)
    {
        lock (gate)
        {
            mounts[target] = source;
        }
    }

    public void Unmount(string target)
    {
        lock (gate)
        {
            mounts.Remove(target);
        }
    }

    public bool IsMountPoint(string path)
    {
        lock (gate)
        {
            return mounts.ContainsKey(path);
        }
    }
}
