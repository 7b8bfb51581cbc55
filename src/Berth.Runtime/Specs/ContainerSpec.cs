using Berth.Core.Planning;
using Berth.Linux;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Specs;

/// <summary>
/// A container's bundle: joins the sandbox's namespaces by path, gets its own mount namespace,
/// its own or the pod's PID namespace, a private cgroup namespace when its cgroup mode is POD,
/// and the security context and resources of its config. A TARGET PID mode joins another
/// container's PID namespace; devices and seccomp come resolved in <see cref="ContainerHostFacts"/>.
/// </summary>
public static class ContainerSpec
{
    /// <param name="process">The resolved command, environment, user and working directory.</param>
    public static RuntimeSpec Build(
        string containerId,
        ContainerConfig config,
        SandboxRecord sandbox,
        ProcessSpec process,
        string rootfs,
        IReadOnlyList<MountSpec> podMounts,
        string cgroupPath,
        ContainerHostFacts? facts = null)
    {
        facts ??= ContainerHostFacts.None;
        var infra = sandbox.InfraPid;
        string ProcNs(string type) => NamespacePaths.Of(infra, NamespaceTypes.ProcEntry(type));

        List<NamespaceSpec> namespaces = [new(NamespaceTypes.Mount)];

        // The pod's user namespace is joined by path; runc enters it before the others.
        if (sandbox.Config.UserNamespace is not null)
        {
            namespaces.Add(new(NamespaceTypes.User, ProcNs(NamespaceTypes.User)));
        }

        if (sandbox.Config.Network != NamespaceMode.Node)
        {
            namespaces.Add(new(NamespaceTypes.Network, ProcNs(NamespaceTypes.Network)));
            namespaces.Add(new(NamespaceTypes.Uts, ProcNs(NamespaceTypes.Uts)));
        }

        if (sandbox.Config.Ipc != NamespaceMode.Node)
        {
            namespaces.Add(new(NamespaceTypes.Ipc, ProcNs(NamespaceTypes.Ipc)));
        }

        switch (config.Pid)
        {
            case NamespaceMode.Pod:
                namespaces.Add(new(NamespaceTypes.Pid, ProcNs(NamespaceTypes.Pid)));
                break;
            case NamespaceMode.Container:
                namespaces.Add(new(NamespaceTypes.Pid));
                break;
            case NamespaceMode.Target:
                namespaces.Add(new(NamespaceTypes.Pid, facts.TargetPidNamespace ?? throw new ArgumentException($"container {config.Name}: PID mode TARGET without a target container")));
                break;
        }

        // KEP-5714: a new cgroup namespace is created after runc puts the process in its cgroup,
        // so the container sees its own cgroup as "/".
        if (config.Cgroup == NamespaceMode.Pod)
        {
            namespaces.Add(new(NamespaceTypes.Cgroup));
        }

        var privileged = config.Security.Privileged;
        List<MountSpec> mounts = [.. SpecDefaults.Mounts(privileged), .. podMounts];
        foreach (var mount in config.Mounts)
        {
            mounts.Add(new MountSpec(mount.ContainerPath, "bind", mount.HostPath, ["rbind", PropagationOption(mount.Propagation), mount.ReadOnly ? "ro" : "rw"]));
        }

        // A propagating bind mount is cut off unless the root above it propagates as well;
        // runc's own default for the root is rslave.
        var rootPropagation = config.Mounts.Any(m => m.Propagation == MountPropagation.Bidirectional) ? "rshared"
            : config.Mounts.Any(m => m.Propagation == MountPropagation.HostToContainer) ? "rslave"
            : null;

        return new RuntimeSpec
        {
            Process = process with { ApparmorProfile = privileged ? null : config.Security.AppArmorProfile, SelinuxLabel = config.Security.SelinuxLabel },
            Root = new RootSpec(rootfs, config.Security.ReadOnlyRootFilesystem),
            Mounts = mounts,
            Annotations = new Dictionary<string, string>
            {
                ["io.kubernetes.cri.container-type"] = "container",
                ["io.kubernetes.cri.container-name"] = config.Name,
                ["io.kubernetes.cri.sandbox-id"] = sandbox.Id,
                ["io.kubernetes.pod.uid"] = sandbox.Config.Uid,
            },
            Linux = new LinuxSpec
            {
                Namespaces = namespaces,
                CgroupsPath = cgroupPath,
                Resources = Resources(config.Limits) with
                {
                    Devices = privileged ? SpecDefaults.PrivilegedDeviceRules : [.. SpecDefaults.DeviceRules, .. facts.DeviceRules],
                },
                MaskedPaths = privileged ? null : config.Security.MaskedPaths ?? SpecDefaults.MaskedPaths,
                ReadonlyPaths = privileged ? null : config.Security.ReadonlyPaths ?? SpecDefaults.ReadonlyPaths,
                Devices = facts.Devices.Count > 0 ? facts.Devices : null,
                Seccomp = privileged ? null : facts.Seccomp,
                RootfsPropagation = rootPropagation,
                UidMappings = UserNamespaceSpec.Uids(sandbox.Config.UserNamespace),
                GidMappings = UserNamespaceSpec.Gids(sandbox.Config.UserNamespace),
                MountLabel = MountLabelOf(config.Security.SelinuxLabel),
            },
        };
    }

    /// <summary>The container's cpu, cpuset and memory limits as the runtime spec has them: at
    /// creation and for every later in-place update, one mapping.</summary>
    public static ResourcesSpec Resources(ContainerLimits limits) => new()
    {
        Cpu = Cpu(limits),
        Memory = limits.MemoryLimit is { } memory ? new MemorySpec(memory) : null,
        Unified = limits.Unified is { Count: > 0 } unified ? unified : null,
    };

    private static CpuSpec Cpu(ContainerLimits limits) =>
        new((ulong?)limits.CpuShares, limits.CpuQuota, (ulong?)limits.CpuPeriod) { Cpus = limits.CpusetCpus, Mems = limits.CpusetMems };

    /// <summary>The files' label for a process label: same user and level, container-selinux's file type.</summary>
    private static string? MountLabelOf(string? processLabel) =>
        processLabel?.Split(':', 4) is [var user, _, _, var level] ? $"{user}:object_r:container_file_t:{level}" : null;

    private static string PropagationOption(MountPropagation propagation) => propagation switch
    {
        MountPropagation.HostToContainer => "rslave",
        MountPropagation.Bidirectional => "rshared",
        _ => "rprivate",
    };
}
