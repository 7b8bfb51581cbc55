namespace Berth.Linux.Seams;

/// <summary>
/// The mounts the runtime makes and removes itself (overlay roots, bind-mounted network namespace
/// pins) and the one question it asks of the mount table before deleting a directory.
/// </summary>
public interface IMountTable
{
    void MountOverlay(string lowerDir, string upperDir, string workDir, string target);

    void BindMount(string source, string target, bool readOnly);

    /// <summary>Lazy unmount; nothing mounted there is fine.</summary>
    void Unmount(string target);

    bool IsMountPoint(string path);
}

/// <summary>This host's mount(2) and mountinfo.</summary>
public sealed class HostMountTable : IMountTable
{
    public static readonly HostMountTable Instance = new();

    public void MountOverlay(string lowerDir, string upperDir, string workDir, string target) => Mounts.MountOverlay(lowerDir, upperDir, workDir, target);

    public void BindMount(string source, string target, bool readOnly) => Mounts.BindMount(source, target, readOnly);

    public void Unmount(string target) => Mounts.Unmount(target);

    public bool IsMountPoint(string path) => Mounts.IsMountPoint(path);
}
