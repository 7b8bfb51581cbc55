using static Berth.Core.Security.PodSecurity.PodSecurityWords;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The restricted level's own checks (pod-security-admission policy/check_restrictedVolumes.go,
/// check_allowPrivilegeEscalation.go, check_runAsNonRoot.go, check_runAsUser.go,
/// check_seccompProfile_restricted.go, check_capabilities_restricted.go), with PSA's ids and
/// words. A container's own securityContext field wins over the pod's, as in the kubelet.
/// </summary>
internal static class RestrictedChecks
{
    /// <summary>Volume sources restricted allows; every other source is named in the detail.</summary>
    private static readonly Func<k8s.Models.V1Volume, bool>[] AllowedSources =
    [
        v => v.ConfigMap is not null, v => v.Csi is not null, v => v.DownwardAPI is not null, v => v.EmptyDir is not null,
        v => v.Ephemeral is not null, v => v.Image is not null, v => v.PersistentVolumeClaim is not null,
        v => v.Projected is not null, v => v.Secret is not null,
    ];

    public static PodSecurityViolation? RestrictedVolumes(PodSecurityInput pod)
    {
        var volumes = pod.Spec.Volumes ?? [];
        var names = new List<string>();
        var types = new List<string>();
        var paths = new List<string>();
        for (var i = 0; i < volumes.Count; i++)
        {
            var volume = volumes[i];
            if (AllowedSources.Any(allowed => allowed(volume)))
            {
                continue;
            }

            var type = RestrictedType(volume);
            names.Add(volume.Name ?? "");
            types.Add(type);
            paths.Add(type == "unknown" ? $"spec.volumes[{i}]" : $"spec.volumes[{i}].{type}");
        }

        var distinct = Sorted(types);
        return names.Count == 0 ? null : new PodSecurityViolation(
            "restrictedVolumes",
            "restricted volume types",
            $"{Plural("volume", "volumes", names.Count)} {JoinQuote(names)} {Plural("uses", "use", names.Count)} {Plural("restricted volume type", "restricted volume types", distinct.Count)} {JoinQuote(distinct)}",
            paths);
    }

    /// <summary>Every container sets allowPrivilegeEscalation=false (Windows pods exempt from v1.25).</summary>
    public static PodSecurityViolation? AllowPrivilegeEscalation(PodSecurityInput pod, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return null;
        }

        var bad = pod.Containers.Where(c => c.SecurityContext?.AllowPrivilegeEscalation != false).ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            "allowPrivilegeEscalation",
            "allowPrivilegeEscalation != false",
            $"{Containers([.. bad.Select(c => c.Name)])} must set securityContext.allowPrivilegeEscalation=false",
            [.. bad.Select(c => c.SecurityPath("allowPrivilegeEscalation"))]);
    }

    /// <summary>runAsNonRoot=true on the pod or on every container, and false nowhere. From v1.35
    /// a pod in its own user namespace (hostUsers: false) is exempt: its root is not the node's.</summary>
    public static PodSecurityViolation? RunAsNonRoot(PodSecurityInput pod, bool userNamespaceExempt)
    {
        if (userNamespaceExempt && pod.InUserNamespace)
        {
            return null;
        }

        var podValue = pod.PodSecurity?.RunAsNonRoot;
        var explicitlyBad = pod.Containers.Where(c => c.SecurityContext?.RunAsNonRoot == false).ToList();
        if (podValue == false || explicitlyBad.Count > 0)
        {
            var paths = explicitlyBad.Select(c => c.SecurityPath("runAsNonRoot")).ToList();
            if (podValue == false)
            {
                paths.Insert(0, "spec.securityContext.runAsNonRoot");
            }

            return new PodSecurityViolation(
                "runAsNonRoot",
                "runAsNonRoot != true",
                $"{Setters(podValue == false, [.. explicitlyBad.Select(c => c.Name)])} must not set securityContext.runAsNonRoot=false",
                paths);
        }

        var implicitlyBad = pod.Containers.Where(c => c.SecurityContext?.RunAsNonRoot is null && podValue != true).ToList();
        return implicitlyBad.Count == 0 ? null : new PodSecurityViolation(
            "runAsNonRoot",
            "runAsNonRoot != true",
            $"pod or {Containers([.. implicitlyBad.Select(c => c.Name)])} must set securityContext.runAsNonRoot=true",
            [.. implicitlyBad.Select(c => c.SecurityPath("runAsNonRoot"))]);
    }

    /// <summary>From v1.23 runAsUser is never 0, on the pod or a container; from v1.35 a pod in its
    /// own user namespace is exempt.</summary>
    public static PodSecurityViolation? RunAsUser(PodSecurityInput pod, bool userNamespaceExempt)
    {
        if (userNamespaceExempt && pod.InUserNamespace)
        {
            return null;
        }

        var podBad = pod.PodSecurity?.RunAsUser == 0;
        var bad = pod.Containers.Where(c => c.SecurityContext?.RunAsUser == 0).ToList();
        if (!podBad && bad.Count == 0)
        {
            return null;
        }

        var paths = bad.Select(c => c.SecurityPath("runAsUser")).ToList();
        if (podBad)
        {
            paths.Insert(0, "spec.securityContext.runAsUser");
        }

        return new PodSecurityViolation(
            "runAsUser", "runAsUser=0", $"{Setters(podBad, [.. bad.Select(c => c.Name)])} must not set runAsUser=0", paths);
    }

    /// <summary>From v1.19 a seccomp profile of RuntimeDefault or Localhost on the pod or on every
    /// container; a container's own profile wins over the pod's. Windows pods exempt from v1.25.</summary>
    public static PodSecurityViolation? SeccompProfile(PodSecurityInput pod, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return null;
        }

        if (SeccompFields.ExplicitlyBad(pod, "seccompProfile_restricted", out var podProfileValid) is { } bad)
        {
            return bad;
        }

        var unset = pod.Containers.Where(c => c.SecurityContext?.SeccompProfile is null && !podProfileValid).ToList();
        return unset.Count == 0 ? null : new PodSecurityViolation(
            "seccompProfile_restricted",
            "seccompProfile",
            $"pod or {Containers([.. unset.Select(c => c.Name)])} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            [.. unset.Select(c => c.SecurityPath("seccompProfile.type"))]);
    }

    /// <summary>From v1.22 every container drops ALL and adds nothing but NET_BIND_SERVICE
    /// (replacing baseline's capabilities check). Windows pods exempt from v1.25.</summary>
    public static PodSecurityViolation? CapabilitiesRestricted(PodSecurityInput pod, bool windowsExempt)
    {
        if (windowsExempt && pod.IsWindows)
        {
            return null;
        }

        var missingDrop = new List<string>();
        var adding = new List<string>();
        var forbidden = new List<string>();
        var paths = new List<string>();
        foreach (var container in pod.Containers)
        {
            var capabilities = container.SecurityContext?.Capabilities;
            if (capabilities?.Drop?.Contains("ALL") != true)
            {
                missingDrop.Add(container.Name);
                paths.Add(container.SecurityPath("capabilities.drop"));
            }

            var add = capabilities?.Add ?? [];
            var bad = Enumerable.Range(0, add.Count).Where(i => add[i] != "NET_BIND_SERVICE").ToList();
            if (bad.Count > 0)
            {
                adding.Add(container.Name);
                forbidden.AddRange(bad.Select(i => add[i] ?? ""));
                paths.AddRange(bad.Select(i => container.SecurityPath($"capabilities.add[{i}]")));
            }
        }

        var details = new List<string>();
        if (missingDrop.Count > 0)
        {
            details.Add($"{Containers(missingDrop)} must set securityContext.capabilities.drop=[\"ALL\"]");
        }

        if (adding.Count > 0)
        {
            details.Add($"{Containers(adding)} must not include {JoinQuote(Sorted(forbidden))} in securityContext.capabilities.add");
        }

        return details.Count == 0 ? null : new PodSecurityViolation("capabilities_restricted", "unrestricted capabilities", string.Join("; ", details), paths);
    }

    /// <summary>The name PSA gives a restricted volume source, in its order of precedence.</summary>
    private static string RestrictedType(k8s.Models.V1Volume v) =>
        v.HostPath is not null ? "hostPath"
        : v.GcePersistentDisk is not null ? "gcePersistentDisk"
        : v.AwsElasticBlockStore is not null ? "awsElasticBlockStore"
        : v.GitRepo is not null ? "gitRepo"
        : v.Nfs is not null ? "nfs"
        : v.Iscsi is not null ? "iscsi"
        : v.Glusterfs is not null ? "glusterfs"
        : v.Rbd is not null ? "rbd"
        : v.FlexVolume is not null ? "flexVolume"
        : v.Cinder is not null ? "cinder"
        : v.Cephfs is not null ? "cephfs"
        : v.Flocker is not null ? "flocker"
        : v.Fc is not null ? "fc"
        : v.AzureFile is not null ? "azureFile"
        : v.VsphereVolume is not null ? "vsphereVolume"
        : v.Quobyte is not null ? "quobyte"
        : v.AzureDisk is not null ? "azureDisk"
        : v.PhotonPersistentDisk is not null ? "photonPersistentDisk"
        : v.PortworxVolume is not null ? "portworxVolume"
        : v.ScaleIO is not null ? "scaleIO"
        : v.Storageos is not null ? "storageos"
        : "unknown";
}
