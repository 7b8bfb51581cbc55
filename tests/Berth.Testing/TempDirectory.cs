using Berth.Linux;

namespace Berth.Testing;

/// <summary>
/// A fresh directory under /tmp, deleted with everything in it at the end. Mounts a failed test
/// left inside are detached first: deleting through a bind mount would delete its source.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "berth-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        var leftovers = MountInfo.Read()
            .Select(m => m.MountPoint)
            .Where(m => m.StartsWith(Path + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length);
        foreach (var mount in leftovers)
        {
            Mounts.Unmount(mount);
        }

        Directory.Delete(Path, recursive: true);
    }
}
