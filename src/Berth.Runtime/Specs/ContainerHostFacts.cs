using System.Text.Json;
using Berth.Linux;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Specs;

/// <summary>
/// What a container's bundle needs from the node besides its config: device numbers, the
/// seccomp filter and, for a TARGET PID namespace, where that namespace is. Resolving them
/// first turns a bad request (a missing device, an unreadable profile, a mount whose
/// propagation the host cannot give) into an ArgumentException before anything is created.
/// </summary>
public sealed record ContainerHostFacts
{
    public static readonly ContainerHostFacts None = new();

    private static readonly JsonSerializerOptions ProfileJson = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<LinuxDeviceSpec> Devices { get; init; } = [];

    public IReadOnlyList<DeviceRuleSpec> DeviceRules { get; init; } = [];

    public SeccompSpec? Seccomp { get; init; }

    /// <summary>/proc/&lt;pid&gt;/ns/pid of the container a TARGET PID mode joins.</summary>
    public string? TargetPidNamespace { get; init; }

    /// <exception cref="ArgumentException">The config asks for something this node cannot give.</exception>
    public static ContainerHostFacts Resolve(ContainerConfig config, string? targetPidNamespace)
    {
        PrepareMounts(config.Mounts);
        var devices = new List<LinuxDeviceSpec>();
        var rules = new List<DeviceRuleSpec>();
        foreach (var device in config.Devices)
        {
            AddDevice(device, devices, rules);
        }

        return new ContainerHostFacts
        {
            Devices = devices,
            DeviceRules = rules,
            Seccomp = config.Security.Privileged ? null : SeccompFor(config.Security.Seccomp),
            TargetPidNamespace = targetPidNamespace,
        };
    }

    /// <summary>
    /// A missing host directory is created, as containerd and CRI-O do for bind mounts. A
    /// propagating mount needs its host side to propagate: BIDIRECTIONAL a shared mount,
    /// HOST_TO_CONTAINER a shared or slave one; otherwise the promise would silently not hold.
    /// </summary>
    private static void PrepareMounts(IReadOnlyList<ContainerMount> mounts)
    {
        foreach (var mount in mounts)
        {
            if (!Path.IsPathRooted(mount.ContainerPath))
            {
                throw new ArgumentException($"mount container path \"{mount.ContainerPath}\" must be absolute");
            }

            if (!Path.IsPathRooted(mount.HostPath))
            {
                throw new ArgumentException($"mount host path \"{mount.HostPath}\" must be absolute");
            }

            if (!Path.Exists(mount.HostPath))
            {
                try
                {
                    Directory.CreateDirectory(mount.HostPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException($"mount host path {mount.HostPath} does not exist and cannot be created: {e.Message}");
                }
            }

            var sharing = mount.Propagation == MountPropagation.Private ? MountSharingType.Private : MountSharing.Of(mount.HostPath);
            if (mount.Propagation == MountPropagation.Bidirectional && sharing != MountSharingType.Shared)
            {
                throw new ArgumentException($"mount {mount.HostPath}: BIDIRECTIONAL propagation needs the host path on a shared mount (mount --make-rshared), it is on a {sharing.ToString().ToLowerInvariant()} one");
            }

            if (mount.Propagation == MountPropagation.HostToContainer && sharing == MountSharingType.Private)
            {
                throw new ArgumentException($"mount {mount.HostPath}: HOST_TO_CONTAINER propagation needs the host path on a shared or slave mount, it is on a private one");
            }
        }
    }

    /// <summary>A device node, or every device node below a directory (as for /dev/snd).</summary>
    private static void AddDevice(ContainerDevice device, List<LinuxDeviceSpec> devices, List<DeviceRuleSpec> rules)
    {
        if (!Path.IsPathRooted(device.HostPath) || !Path.IsPathRooted(device.ContainerPath))
        {
            throw new ArgumentException($"device {device.HostPath} → {device.ContainerPath}: both paths must be absolute");
        }

        var permissions = device.Permissions.Length == 0 ? "rwm" : device.Permissions;
        if (permissions.Any(c => c is not ('r' or 'w' or 'm')) || permissions.Distinct().Count() != permissions.Length)
        {
            throw new ArgumentException($"device {device.HostPath}: permissions \"{device.Permissions}\" must be made of r, w and m");
        }

        FileNode node;
        try
        {
            node = FileNodes.Stat(device.HostPath);
        }
        catch (FileNotFoundException)
        {
            throw new ArgumentException($"device {device.HostPath} does not exist on this node");
        }

        if (node.Type == UnixFileType.Directory)
        {
            foreach (var file in Directory.EnumerateFiles(device.HostPath, "*", SearchOption.AllDirectories))
            {
                var inner = FileNodes.Stat(file);
                if (inner.IsDevice)
                {
                    Add(Path.Join(device.ContainerPath, Path.GetRelativePath(device.HostPath, file)), inner);
                }
            }

            return;
        }

        if (!node.IsDevice)
        {
            throw new ArgumentException($"{device.HostPath} is not a device node");
        }

        Add(device.ContainerPath, node);

        void Add(string containerPath, FileNode found)
        {
            var type = found.Type == UnixFileType.BlockDevice ? "b" : "c";
            devices.Add(new LinuxDeviceSpec(containerPath, type, found.RdevMajor, found.RdevMinor)
            {
                FileMode = found.Mode,
                Uid = found.Uid,
                Gid = found.Gid,
            });
            rules.Add(new DeviceRuleSpec(Allow: true, Access: permissions, Type: type, Major: found.RdevMajor, Minor: found.RdevMinor));
        }
    }

    private static SeccompSpec? SeccompFor(SeccompProfile? profile) => profile?.Type switch
    {
        null or SeccompProfileType.Unconfined => null,
        SeccompProfileType.RuntimeDefault => SeccompDefaults.RuntimeDefault(),
        _ => LoadProfile(profile.LocalhostPath),
    };

    /// <summary>A runtime-spec linux.seccomp object; Docker-format profiles share its field names.</summary>
    private static SeccompSpec LoadProfile(string? path)
    {
        if (path is null || !Path.IsPathRooted(path))
        {
            throw new ArgumentException($"seccomp Localhost profile \"{path}\" must be an absolute path on the node");
        }

        try
        {
            return JsonSerializer.Deserialize<SeccompSpec>(File.ReadAllText(path), ProfileJson)
                ?? throw new ArgumentException($"seccomp profile {path} is empty");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArgumentException($"seccomp profile {path} does not exist");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"seccomp profile {path} is not a seccomp profile: {e.Message}");
        }
    }
}
