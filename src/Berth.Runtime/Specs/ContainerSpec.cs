using Berth.Core.Planning;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Specs;

/// <summary>
/// A container's bundle: joins the sandbox's namespaces by path, gets its own mount namespace,
/// its own or the pod's PID namespace, a private cgroup namespace when its cgroup mode is POD,
/// and the security context and resources of its config.
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
        string cgroupPath)
    {
        var infra = sandbox.InfraPid;
        string ProcNs(string type) => $"/proc/{infra}/ns/{NamespaceTypes.ProcEntry(type)}";

        List<NamespaceSpec> namespaces = [new(NamespaceTypes.Mount)];
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
            mounts.Add(new MountSpec(mount.ContainerPath, "bind", mount.HostPath, ["rbind", "rprivate", mount.ReadOnly ? "ro" : "rw"]));
        }

        return new RuntimeSpec
        {
            Process = process,
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
                Resources = new ResourcesSpec
                {
                    Devices = privileged ? SpecDefaults.PrivilegedDeviceRules : SpecDefaults.DeviceRules,
                    Cpu = new CpuSpec((ulong)config.Limits.CpuShares, config.Limits.CpuQuota, (ulong?)config.Limits.CpuPeriod),
                    Memory = config.Limits.MemoryLimit is { } memory ? new MemorySpec(memory) : null,
                },
                MaskedPaths = privileged ? null : SpecDefaults.MaskedPaths,
                ReadonlyPaths = privileged ? null : SpecDefaults.ReadonlyPaths,
            },
        };
    }
}
