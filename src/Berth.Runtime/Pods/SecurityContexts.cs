using Berth.Core.Security;
using Berth.Runtime.Model;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// A container's effective security context from its own and its pod's, as the kubelet makes
/// it (pkg/securitycontext DetermineEffectiveSecurityContext and kuberuntime's
/// security_context.go): the container's field wins over the pod's, fsGroup joins the
/// supplementary groups, a seccomp profile falls back to the node's default. Node checks that
/// refuse a pod (AppArmor, SELinux, sysctls) ran before, in <see cref="NodeSecurityChecks"/>.
/// </summary>
public static class SecurityContexts
{
    /// <summary>The AppArmor profile that RuntimeDefault names on a host with AppArmor: Berth
    /// loads no profile of its own, so the one Docker and Podman install is used.</summary>
    public const string AppArmorRuntimeDefault = "docker-default";

    /// <exception cref="ContainerConfigException">A Localhost seccomp profile is missing or leaves the profile root.</exception>
    public static ContainerSecurity For(V1Pod pod, V1Container container, NodeSecurityOptions node)
    {
        var podSecurity = pod.Spec.SecurityContext;
        var security = container.SecurityContext;
        var unmasked = security?.ProcMount == "Unmasked";
        return new ContainerSecurity
        {
            Privileged = security?.Privileged == true,
            RunAsUser = security?.RunAsUser ?? podSecurity?.RunAsUser,
            RunAsGroup = security?.RunAsGroup ?? podSecurity?.RunAsGroup,
            RunAsNonRoot = (security?.RunAsNonRoot ?? podSecurity?.RunAsNonRoot) == true,
            SupplementalGroups = [.. podSecurity?.FsGroup is { } fsGroup ? [fsGroup] : Array.Empty<long>(), .. (podSecurity?.SupplementalGroups ?? []).Select(g => g ?? 0)],
            StrictSupplementalGroups = podSecurity?.SupplementalGroupsPolicy == "Strict",
            ReadOnlyRootFilesystem = security?.ReadOnlyRootFilesystem == true,
            NoNewPrivileges = security?.AllowPrivilegeEscalation == false,
            AddCapabilities = [.. security?.Capabilities?.Add ?? []],
            DropCapabilities = [.. security?.Capabilities?.Drop ?? []],
            Seccomp = Seccomp(security?.SeccompProfile ?? podSecurity?.SeccompProfile, node),

            // procMount Unmasked: nothing of /proc hidden or read-only (kubelet passes empty lists).
            MaskedPaths = unmasked ? [] : null,
            ReadonlyPaths = unmasked ? [] : null,
            AppArmorProfile = AppArmorProfileName(AppArmorOf(pod, container)),
            SelinuxLabel = SelinuxLabel(security?.SeLinuxOptions ?? podSecurity?.SeLinuxOptions),
        };
    }

    /// <summary>The container's AppArmor profile: its field, else the deprecated per-container
    /// annotation, else the pod's field; null when none is asked for.</summary>
    public static (string Type, string? Localhost)? AppArmorOf(V1Pod pod, V1Container container)
    {
        if (container.SecurityContext?.AppArmorProfile is { Type: { } type } own)
        {
            return (type, own.LocalhostProfile);
        }

        if (pod.Metadata?.Annotations?.TryGetValue(SecurityContextRules.AppArmorAnnotationPrefix + container.Name, out var value) == true
            && SecurityContextRules.AppArmorAnnotation(value) is { } annotated)
        {
            return annotated;
        }

        return pod.Spec.SecurityContext?.AppArmorProfile is { Type: { } podType } podProfile ? (podType, podProfile.LocalhostProfile) : null;
    }

    /// <summary>The SELinux process label: the options' parts over container-selinux's defaults.</summary>
    public static string? SelinuxLabel(V1SELinuxOptions? options) =>
        options is null || (options.User is null && options.Role is null && options.Type is null && options.Level is null)
            ? null
            : $"{options.User ?? "system_u"}:{options.Role ?? "system_r"}:{options.Type ?? "container_t"}:{options.Level ?? "s0"}";

    private static string? AppArmorProfileName((string Type, string? Localhost)? profile) => profile?.Type switch
    {
        "RuntimeDefault" => AppArmorRuntimeDefault,
        "Localhost" => profile.Value.Localhost,
        _ => null,
    };

    /// <summary>kubelet's seccomp.go: the profile asked for, else the node's default.</summary>
    private static SeccompProfile? Seccomp(V1SeccompProfile? profile, NodeSecurityOptions node) => profile?.Type switch
    {
        "RuntimeDefault" => new SeccompProfile(SeccompProfileType.RuntimeDefault),
        "Unconfined" => new SeccompProfile(SeccompProfileType.Unconfined),
        "Localhost" => new SeccompProfile(SeccompProfileType.Localhost, LocalhostProfile(node.SeccompProfileRoot, profile.LocalhostProfile ?? "")),
        _ => node.SeccompDefault ? new SeccompProfile(SeccompProfileType.RuntimeDefault) : null,
    };

    /// <summary>The profile file below the root. Validation already refused absolute names and
    /// "..", so only a symlink could lead out: the file's real path must stay below the root.</summary>
    private static string LocalhostProfile(string root, string name)
    {
        var fullRoot = Path.GetFullPath(root);
        var path = Path.GetFullPath(Path.Combine(fullRoot, name));
        if (!File.Exists(path))
        {
            throw new ContainerConfigException($"cannot load seccomp profile \"{path}\": no such file or directory");
        }

        var real = RealPath(path);
        var realRoot = RealPath(fullRoot);
        if (!real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new ContainerConfigException($"seccomp profile \"{path}\" resolves to {real}, outside the seccomp profile root {fullRoot}");
        }

        return path;
    }

    /// <summary>Every symlink along the path resolved, as realpath(3); a loop stops at 40 links.</summary>
    private static string RealPath(string path, int depth = 0)
    {
        var current = "/";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (depth < 40 && new FileInfo(current).LinkTarget is { } target)
            {
                current = RealPath(Path.GetFullPath(target, Path.GetDirectoryName(current)!), depth + 1);
            }
        }

        return current;
    }
}
