using Berth.Core.Manifests;
using Berth.Core.Validation;
using Berth.Linux;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// hostPath.type checked against what is at the path, as the kubelet's hostPath plugin does when
/// it sets the volume up (pkg/volume/hostpath/host_path.go checkType), with its messages. The
/// kubelet leaves a pod whose check fails in ContainerCreating with FailedMount events and tries
/// again; <c>berth play</c> is the user at the terminal, so Berth checks at admission, before
/// anything is made, and refuses the pod (exit 2) naming spec.volumes[i].hostPath.type. The
/// *OrCreate types create what is missing only once the pod is admitted, and are checked again
/// then, so a pod refused halfway leaves nothing behind (creation rolls back the pod, and the
/// host path made is the one the manifest asked for).
/// </summary>
public static class HostPathVolumes
{
    private const UnixFileMode CreatedDirectoryMode = (UnixFileMode)0x1ED; // 0755, as the kubelet's MakeDir
    private const UnixFileMode CreatedFileMode = (UnixFileMode)0x1A4; // 0644, as the kubelet's MakeFile

    /// <summary>The field error for a hostPath whose type does not match the node, or null.</summary>
    /// <param name="create">Create what DirectoryOrCreate or FileOrCreate finds missing; without
    /// it, a missing path that would be created passes.</param>
    public static string? Check(V1HostPathVolumeSource hostPath, bool create) =>
        Problem(hostPath.Path, hostPath.Type ?? HostPathTypes.Unset, create) is { } problem
            ? $"Invalid value: \"{hostPath.Type}\": {problem}"
            : null;

    /// <summary>Creates the *OrCreate paths of an admitted pod and checks every hostPath again.</summary>
    /// <exception cref="ValidationException">A hostPath is not what its type says (it changed since admission).</exception>
    public static void Prepare(PodManifest manifest)
    {
        var volumes = manifest.Pod.Spec.Volumes ?? [];
        var errors = new List<FieldError>();
        for (var i = 0; i < volumes.Count; i++)
        {
            if (volumes[i].HostPath is { } hostPath && Check(hostPath, create: true) is { } problem)
            {
                errors.Add(new FieldError(manifest.Source, $"spec.volumes[{i}].hostPath.type", problem));
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>The kubelet's checkTypeInternal; stat follows symlinks, as its does.</summary>
    private static string? Problem(string path, string type, bool create)
    {
        var found = TypeAt(path);
        switch (type)
        {
            case HostPathTypes.DirectoryOrCreate when found == UnixFileType.Missing:
                if (!create)
                {
                    return null;
                }

                Directory.CreateDirectory(path, CreatedDirectoryMode);
                File.SetUnixFileMode(path, CreatedDirectoryMode); // the umask narrowed it
                return TypeAt(path) == UnixFileType.Directory ? null : NotA(path, "a directory");
            case HostPathTypes.DirectoryOrCreate or HostPathTypes.Directory:
                return found == UnixFileType.Directory ? null : NotA(path, "a directory");
            case HostPathTypes.FileOrCreate when found == UnixFileType.Missing:
                // The kubelet's MakeFile opens with O_CREATE only: the directory must be there.
                var parent = Path.GetDirectoryName(path.TrimEnd('/')) ?? "/";
                if (TypeAt(parent) != UnixFileType.Directory)
                {
                    return $"hostPath type check failed: cannot create {path}: directory {parent} does not exist";
                }

                if (!create)
                {
                    return null;
                }

                CreateFile(path);
                return TypeAt(path) == UnixFileType.Regular ? null : NotA(path, "a file");
            case HostPathTypes.FileOrCreate or HostPathTypes.File:
                return found == UnixFileType.Regular ? null : NotA(path, "a file");
            case HostPathTypes.Socket:
                return found == UnixFileType.Socket ? null : NotA(path, "a socket file");
            case HostPathTypes.CharDevice:
                return found == UnixFileType.CharacterDevice ? null : NotA(path, "a character device");
            case HostPathTypes.BlockDevice:
                return found == UnixFileType.BlockDevice ? null : NotA(path, "a block device");
            default:
                return null; // "" checks nothing; an unknown type is refused by validation
        }
    }

    private static string NotA(string path, string what) => $"hostPath type check failed: {path} is not {what}";

    /// <summary>O_CREAT | O_EXCL: never opens what is already there (a FIFO put there since the
    /// check would block an open); the type check that follows judges it instead.</summary>
    private static void CreateFile(string path)
    {
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = CreatedFileMode });
            File.SetUnixFileMode(path, CreatedFileMode);
        }
        catch (IOException) when (Path.Exists(path))
        {
            // Something appeared meanwhile.
        }
    }

    private static UnixFileType TypeAt(string path)
    {
        try
        {
            return FileNodes.Stat(path).Type;
        }
        catch (FileNotFoundException)
        {
            return UnixFileType.Missing;
        }
    }
}
