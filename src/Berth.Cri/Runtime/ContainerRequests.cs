using Berth.Core.Planning;
using Berth.Oci.Spec;
using Berth.Runtime.Model;

namespace Berth.Cri.Runtime;

/// <summary>A CreateContainer request as a <see cref="ContainerConfig"/>, or InvalidArgument naming every problem.</summary>
internal static class ContainerRequests
{
    private const string LocalhostPrefix = "localhost/";

    public static ContainerConfig From(V1.ContainerConfig? config, SandboxRecord sandbox, int cgroupVersion)
    {
        if (config is null)
        {
            throw CriErrors.InvalidArgument("config is required");
        }

        if (config.Metadata is null || config.Metadata.Name.Length == 0)
        {
            throw CriErrors.InvalidArgument(config.Metadata is null ? "config.metadata is required" : "config.metadata.name is required");
        }

        var problems = new List<string>();
        var image = config.Image?.Image is { Length: > 0 } name ? name : config.Image?.UserSpecifiedImage ?? "";
        if (image.Length == 0)
        {
            problems.Add("config.image.image is required");
        }

        if (config.LogPath.Length > 0 && (Path.IsPathRooted(config.LogPath) || config.LogPath.Split('/').Contains("..")))
        {
            problems.Add($"config.log_path \"{config.LogPath}\" must be relative to the sandbox's log directory, without '..'");
        }

        if (config.WorkingDir.Length > 0 && !Path.IsPathRooted(config.WorkingDir))
        {
            problems.Add($"config.working_dir \"{config.WorkingDir}\" must be absolute");
        }

        foreach (var env in config.Envs.Where(e => e.Key.Length == 0 || e.Key.Contains('=', StringComparison.Ordinal) || e.Key.Contains('\0', StringComparison.Ordinal)))
        {
            problems.Add($"config.envs: \"{env.Key}\" is not a variable name");
        }

        var linux = config.Linux;
        var limits = Resources.From(linux?.Resources, "config.linux.resources", problems);
        var security = linux?.SecurityContext;
        var namespaces = security?.NamespaceOptions;
        // Absent options read as the message's zero values, as in every CRI runtime: POD.
        var pid = namespaces?.Pid switch
        {
            V1.NamespaceMode.Container => NamespaceMode.Container,
            null or V1.NamespaceMode.Pod => NamespaceMode.Pod,
            V1.NamespaceMode.Node => NamespaceMode.Node,
            _ => NamespaceMode.Target,
        };
        if (pid == NamespaceMode.Target && namespaces!.TargetId.Length == 0)
        {
            problems.Add("config.linux.security_context.namespace_options: pid TARGET needs target_id");
        }

        UserNamespaceRequests.CheckContainer(namespaces?.UsernsOptions, sandbox, "config.linux.security_context.namespace_options.userns_options", problems);

        var privileged = security?.Privileged == true;
        var cgroupMode = CgroupNamespaces.Resolve(
            CgroupNamespaces.Requested(namespaces?.CgroupnsOptions, "config.linux.security_context.namespace_options.cgroupns_options", problems),
            sandbox.Config.Cgroup,
            privileged || sandbox.Config.Privileged,
            cgroupVersion);

        foreach (var (id, field) in new[] { (security?.RunAsUser?.Value, "run_as_user"), (security?.RunAsGroup?.Value, "run_as_group") })
        {
            if (id is < 0 or > uint.MaxValue)
            {
                problems.Add($"config.linux.security_context.{field}: {id} is not a valid id");
            }
        }

        // CRI: a group alone is an error, since whose group it would be is undefined.
        if (security?.RunAsGroup is not null && security.RunAsUser is null && security.RunAsUsername.Length == 0)
        {
            problems.Add("config.linux.security_context.run_as_group needs run_as_user or run_as_username");
        }

        if (security?.SupplementalGroups.Any(g => g is < 0 or > uint.MaxValue) == true)
        {
            problems.Add("config.linux.security_context.supplemental_groups: every group must be a valid id");
        }

        var capabilities = security?.Capabilities;
        foreach (var capability in (capabilities?.AddCapabilities ?? []).Concat(capabilities?.DropCapabilities ?? []).Concat(capabilities?.AddAmbientCapabilities ?? []))
        {
            var normalized = SpecDefaults.Normalize(capability);
            if (normalized != "ALL" && !SpecDefaults.AllCapabilityNames.Contains(normalized))
            {
                problems.Add($"config.linux.security_context.capabilities: \"{capability}\" is not a capability");
            }
        }

        var mounts = Mounts(config.Mounts, problems);
        var seccomp = Seccomp(security, problems);
        var (appArmor, selinux) = ContainerConfinement.From(security, Berth.Runtime.Specs.HostSecurityFeatures.Current, problems);
        CriErrors.ThrowIfAny(problems);
        return new ContainerConfig
        {
            Name = config.Metadata.Name,
            Attempt = (int)config.Metadata.Attempt,
            Image = image,
            Command = [.. config.Command],
            Args = [.. config.Args],
            Env = [.. config.Envs.Select(e => KeyValuePair.Create(e.Key, e.Value.ToStringUtf8()))],
            WorkingDir = config.WorkingDir.Length > 0 ? config.WorkingDir : null,
            Stdin = config.Stdin,
            StdinOnce = config.StdinOnce,
            Tty = config.Tty,
            Mounts = mounts,
            Devices = [.. config.Devices.Select(d => new ContainerDevice(d.HostPath, d.ContainerPath, d.Permissions))],
            Security = Security(security) with { Seccomp = seccomp, AppArmorProfile = appArmor, SelinuxLabel = selinux },
            Limits = limits,
            Pid = pid,
            PidTarget = pid == NamespaceMode.Target ? namespaces!.TargetId : null,
            Cgroup = cgroupMode,
            LogPath = config.LogPath,
            Labels = Labels.Of(config.Labels),
            Annotations = Labels.Of(config.Annotations),
            StopSignal = config.StopSignal == V1.Signal.RuntimeDefault ? null : StopSignals.Name(config.StopSignal),
        };
    }

    private static ContainerSecurity Security(V1.LinuxContainerSecurityContext? security)
    {
        if (security is null)
        {
            return new ContainerSecurity();
        }

        return new ContainerSecurity
        {
            Privileged = security.Privileged,
            RunAsUser = security.RunAsUser?.Value,
            RunAsGroup = security.RunAsGroup?.Value,
            RunAsUsername = security.RunAsUsername.Length > 0 ? security.RunAsUsername : null,
            SupplementalGroups = [.. security.SupplementalGroups],
            StrictSupplementalGroups = security.SupplementalGroupsPolicy == V1.SupplementalGroupsPolicy.Strict,
            ReadOnlyRootFilesystem = security.ReadonlyRootfs,
            NoNewPrivileges = security.NoNewPrivs,
            AddCapabilities = [.. security.Capabilities?.AddCapabilities ?? []],
            DropCapabilities = [.. security.Capabilities?.DropCapabilities ?? []],
            AddAmbientCapabilities = [.. security.Capabilities?.AddAmbientCapabilities ?? []],

            // A repeated field cannot say "unset" apart from "empty": the kubelet sends the lists
            // it wants and nothing for the defaults, so empty keeps Berth's defaults.
            MaskedPaths = security.MaskedPaths.Count > 0 ? [.. security.MaskedPaths] : null,
            ReadonlyPaths = security.ReadonlyPaths.Count > 0 ? [.. security.ReadonlyPaths] : null,
        };
    }

    /// <summary>
    /// The seccomp field, else the deprecated seccomp_profile_path that kubelets before 1.22
    /// (and critest 1.26) still send: "runtime/default" or "docker/default", "unconfined" or
    /// empty, "localhost/&lt;absolute path&gt;"; anything else is refused rather than guessed at.
    /// </summary>
    private static SeccompProfile? Seccomp(V1.LinuxContainerSecurityContext? security, List<string> problems)
    {
        switch (security?.Seccomp)
        {
            case { ProfileType: V1.SecurityProfile.Types.ProfileType.RuntimeDefault }:
                return new SeccompProfile(SeccompProfileType.RuntimeDefault);
            case { ProfileType: V1.SecurityProfile.Types.ProfileType.Localhost } local:
                return new SeccompProfile(SeccompProfileType.Localhost, local.LocalhostRef);
            case not null:
                return new SeccompProfile(SeccompProfileType.Unconfined);
        }

#pragma warning disable CS0612 // the deprecated field is what older clients send
        var path = security?.SeccompProfilePath ?? "";
#pragma warning restore CS0612
        switch (path)
        {
            case "" or "unconfined":
                return null;
            case "runtime/default" or "docker/default":
                return new SeccompProfile(SeccompProfileType.RuntimeDefault);
            case var local when local.StartsWith(LocalhostPrefix, StringComparison.Ordinal):
                return new SeccompProfile(SeccompProfileType.Localhost, local[LocalhostPrefix.Length..]);
            default:
                problems.Add($"config.linux.security_context.seccomp_profile_path \"{path}\": expected runtime/default, docker/default, unconfined or localhost/<path>");
                return null;
        }
    }

    private static IReadOnlyList<ContainerMount> Mounts(IEnumerable<V1.Mount> mounts, List<string> problems)
    {
        var result = new List<ContainerMount>();
        foreach (var mount in mounts)
        {
            var field = $"config.mounts[{mount.ContainerPath}]";
            if (mount.Image is not null)
            {
                problems.Add($"{field}: image volumes are not supported");
                continue;
            }

            if (mount.UidMappings.Count > 0 || mount.GidMappings.Count > 0)
            {
                problems.Add($"{field}: id-mapped mounts are not supported");
            }

            if (mount.RecursiveReadOnly)
            {
                problems.Add($"{field}: recursive read-only mounts are not supported by this runtime handler");
            }

            if (mount.MountOptions.Count > 0)
            {
                problems.Add($"{field}: mount_options are not supported");
            }

            if (!Path.IsPathRooted(mount.ContainerPath) || !Path.IsPathRooted(mount.HostPath))
            {
                problems.Add($"{field}: container_path and host_path must be absolute");
            }

            result.Add(new ContainerMount(mount.HostPath, mount.ContainerPath, mount.Readonly)
            {
                Propagation = mount.Propagation switch
                {
                    V1.MountPropagation.PropagationHostToContainer => MountPropagation.HostToContainer,
                    V1.MountPropagation.PropagationBidirectional => MountPropagation.Bidirectional,
                    _ => MountPropagation.Private,
                },
            });
        }

        return result;
    }
}
