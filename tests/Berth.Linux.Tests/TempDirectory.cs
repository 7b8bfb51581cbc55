namespace Berth.Linux.Tests;

/// <summary>A fresh directory under /tmp, deleted with everything in it at the end. Mounts a
/// failed test left inside are detached first: deleting through a bind mount would delete its
/// source.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("berth-linux-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    public void Dispose()
    {
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
