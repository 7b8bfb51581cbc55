using Berth.Core.Planning;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Runtime.Specs;

/// <summary>
/// The infra container's bundle: the static infra binary bind-mounted into an empty read-only
/// root, holding the pod's network (with loopback, which runc brings up), IPC and UTS namespaces,
/// and with a shared PID namespace its PID 1, where catatonit -P reaps orphaned zombies.
/// </summary>
public static class SandboxSpec
{
    public const string InfraPathInside = "/pause";

    /// <summary>
    /// The hostname the sandbox's UTS namespace gets: the request's, when the pod has its own
    /// network (and so UTS) namespace and names one; otherwise none is set and the node's stays,
    /// as containerd does (a CRI request need not name one; pod names can exceed the kernel's 64).
    /// </summary>
    public static string? HostnameOf(SandboxConfig config) =>
        config.Network == NamespaceMode.Node || string.IsNullOrEmpty(config.Hostname) ? null : config.Hostname;

    public static RuntimeSpec Build(SandboxConfig config, string sandboxId, string rootfs, RuntimeOptions options, int oomScoreAdj, ulong hardNofile)
    {
        List<NamespaceSpec> namespaces = [new(NamespaceTypes.Mount)];
        if (config.Network != NamespaceMode.Node)
        {
            namespaces.Add(new(NamespaceTypes.Network));
            namespaces.Add(new(NamespaceTypes.Uts));
        }

        if (config.Ipc != NamespaceMode.Node)
        {
            namespaces.Add(new(NamespaceTypes.Ipc));
        }

        // The infra process always gets its own PID namespace unless the pod uses the host's:
        // with POD mode the containers join it, otherwise it simply keeps the infra isolated.
        if (config.Pid != NamespaceMode.Node)
        {
            namespaces.Add(new(NamespaceTypes.Pid));
        }

        // runc creates the user namespace first and the others inside it, so the pod's network,
        // IPC, UTS and PID namespaces belong to it (KEP-127).
        if (config.UserNamespace is not null)
        {
            namespaces.Add(new(NamespaceTypes.User));
        }

        return new RuntimeSpec
        {
            Process = new ProcessSpec
            {
                Args = [InfraPathInside, .. options.InfraArgs],
                Env = [SpecDefaults.DefaultPath],
                Capabilities = CapabilitiesSpec.Of(SpecDefaults.Capabilities),
                Rlimits = SpecDefaults.Rlimits(hardNofile),
                NoNewPrivileges = true,
                OomScoreAdj = oomScoreAdj,
            },
            Root = new RootSpec(rootfs, Readonly: true),
            Hostname = HostnameOf(config),
            Mounts =
            [
                .. SpecDefaults.Mounts(privileged: false),
                new MountSpec(InfraPathInside, "bind", options.InfraBinary, ["rbind", "ro", "nosuid", "nodev"]),
            ],
            Annotations = new Dictionary<string, string>
            {
                ["io.kubernetes.cri.container-type"] = "sandbox",
                ["io.kubernetes.cri.sandbox-id"] = sandboxId,
                ["io.kubernetes.pod.uid"] = config.Uid,
            },
            Linux = new LinuxSpec
            {
                Namespaces = namespaces,
                CgroupsPath = CgroupPaths.Child(config.CgroupParent, sandboxId),
                Resources = new ResourcesSpec { Devices = SpecDefaults.DeviceRules, Cpu = new CpuSpec(Shares: (ulong)CgroupMath.MinShares, null, null) },
                MaskedPaths = SpecDefaults.MaskedPaths,
                ReadonlyPaths = SpecDefaults.ReadonlyPaths,

                // Namespaced sysctls belong to the namespaces the infra process holds; the
                // containers that join them see the values.
                Sysctl = config.Sysctls.Count > 0 ? config.Sysctls : null,
                UidMappings = UserNamespaceSpec.Uids(config.UserNamespace),
                GidMappings = UserNamespaceSpec.Gids(config.UserNamespace),
            },
        };
    }
}

public static class CgroupPaths
{
    public static string Child(string parent, string name) => parent.TrimEnd('/') + "/" + name;
}
