using static Berth.Core.Security.PodSecurity.PodSecurityWords;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The baseline checks of the security context (pod-security-admission policy/check_privileged.go,
/// check_capabilities_baseline.go, check_appArmorProfile.go, check_seLinuxOptions.go,
/// check_procMount_baseline.go, check_seccompProfile_baseline.go, check_sysctls.go), with PSA's
/// ids, allowed values and words. The sysctl and SELinux lists grow by version.
/// </summary>
internal static class BaselineChecks
{
    /// <summary>Docker's default set, which baseline lets a container add back.</summary>
    public static readonly IReadOnlySet<string> DefaultCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    /// <summary>The safe sysctls by the version that admitted them (check_sysctls.go).</summary>
    public static readonly (int Minor, string[] Names)[] SysctlsByVersion =
    [
        (0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]),
        (27, ["net.ipv4.ip_local_reserved_ports"]),
        (29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]),
        (32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
        (37, ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]),
    ];

    /// <summary>SELinux types a container may ask for; container_engine_t from v1.31.</summary>
    private static readonly string[] SeLinuxTypes = ["", "container_t", "container_init_t", "container_kvm_t"];

    public static PodSecurityViolation? Privileged(PodSecurityInput pod)
    {
        var bad = pod.Containers.Where(c => c.SecurityContext?.Privileged == true).ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            "privileged",
            "privileged",
            $"{Containers([.. bad.Select(c => c.Name)])} must not set securityContext.privileged=true",
            [.. bad.Select(c => c.SecurityPath("privileged"))]);
    }

    /// <summary>capabilities.add may only name capabilities of the default set.</summary>
    public static PodSecurityViolation? CapabilitiesBaseline(PodSecurityInput pod)
    {
        var containers = new List<string>();
        var capabilities = new List<string>();
        var paths = new List<string>();
        foreach (var container in pod.Containers)
        {
            var add = container.SecurityContext?.Capabilities?.Add ?? [];
            var bad = Enumerable.Range(0, add.Count).Where(i => !DefaultCapabilities.Contains(add[i] ?? "")).ToList();
            if (bad.Count > 0)
            {
                containers.Add(container.Name);
                capabilities.AddRange(bad.Select(i => add[i] ?? ""));
                paths.AddRange(bad.Select(i => container.SecurityPath($"capabilities.add[{i}]")));
            }
        }

        return containers.Count == 0 ? null : new PodSecurityViolation(
            "capabilities_baseline",
            "non-default capabilities",
            $"{Containers(containers)} must not include {JoinQuote(Sorted(capabilities))} in securityContext.capabilities.add",
            paths);
    }

    /// <summary>AppArmor profile types RuntimeDefault or Localhost (or unset); the deprecated
    /// annotations runtime/default, localhost/*, or empty.</summary>
    public static PodSecurityViolation? AppArmorProfile(PodSecurityInput pod)
    {
        static bool Allowed(string? type) => type is "RuntimeDefault" or "Localhost";

        var values = new List<string>();
        var paths = new List<string>();
        var podProfile = pod.PodSecurity?.AppArmorProfile;
        var podBad = podProfile is not null && !Allowed(podProfile.Type);
        if (podBad)
        {
            values.Add(podProfile!.Type ?? "");
            paths.Add("spec.securityContext.appArmorProfile.type");
        }

        var containers = pod.Containers.Where(c => c.SecurityContext?.AppArmorProfile is { } p && !Allowed(p.Type)).ToList();
        values.AddRange(containers.Select(c => c.SecurityContext!.AppArmorProfile.Type ?? ""));
        paths.AddRange(containers.Select(c => c.SecurityPath("appArmorProfile.type")));

        var annotations = pod.Annotations
            .Where(a => a.Key.StartsWith(SecurityContextRules.AppArmorAnnotationPrefix, StringComparison.Ordinal))
            .Where(a => !(string.IsNullOrEmpty(a.Value) || a.Value == "runtime/default" || a.Value.StartsWith("localhost/", StringComparison.Ordinal)))
            .Select(a => (Text: $"{a.Key}={GoQuote(a.Value ?? "")}", Path: $"metadata.annotations[{a.Key}]"))
            .OrderBy(a => a.Text, StringComparer.Ordinal)
            .ToList();

        var setters = new List<string>();
        var setterText = Setters(podBad, [.. containers.Select(c => c.Name)]);
        if (setterText.Length > 0)
        {
            setters.Add(setterText);
        }

        if (annotations.Count > 0)
        {
            setters.Add(Plural("annotation", "annotations", annotations.Count));
        }

        if (setters.Count == 0)
        {
            return null;
        }

        List<string> bad = [.. Sorted(values), .. annotations.Select(a => a.Text)];
        paths.AddRange(annotations.Select(a => a.Path));
        return new PodSecurityViolation(
            "appArmorProfile",
            Plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.Count),
            $"{string.Join(" and ", setters)} must not set AppArmor profile type to {JoinQuote(bad)}",
            paths);
    }

    /// <summary>seLinuxOptions: a container type only (container_t and kin), never a user or role.</summary>
    public static PodSecurityViolation? SeLinuxOptions(PodSecurityInput pod, int fromMinor)
    {
        string[] allowedTypes = fromMinor >= 31 ? [.. SeLinuxTypes, "container_engine_t"] : SeLinuxTypes;
        var types = new List<string>();
        var paths = new List<string>();
        bool user = false, role = false;

        bool Check(k8s.Models.V1SELinuxOptions? options, string path)
        {
            if (options is null)
            {
                return true;
            }

            var valid = true;
            if (!allowedTypes.Contains(options.Type ?? ""))
            {
                valid = false;
                types.Add(options.Type ?? "");
                paths.Add($"{path}.type");
            }

            if (!string.IsNullOrEmpty(options.User))
            {
                valid = false;
                user = true;
                paths.Add($"{path}.user");
            }

            if (!string.IsNullOrEmpty(options.Role))
            {
                valid = false;
                role = true;
                paths.Add($"{path}.role");
            }

            return valid;
        }

        var podBad = !Check(pod.PodSecurity?.SeLinuxOptions, "spec.securityContext.seLinuxOptions");
        var containers = pod.Containers.Where(c => !Check(c.SecurityContext?.SeLinuxOptions, c.SecurityPath("seLinuxOptions"))).Select(c => c.Name).ToList();
        if (!podBad && containers.Count == 0)
        {
            return null;
        }

        var data = new List<string>();
        var distinct = Sorted(types);
        if (distinct.Count > 0)
        {
            data.Add($"{Plural("type", "types", distinct.Count)} {JoinQuote(distinct)}");
        }

        if (user)
        {
            data.Add("user may not be set");
        }

        if (role)
        {
            data.Add("role may not be set");
        }

        return new PodSecurityViolation(
            "seLinuxOptions",
            "seLinuxOptions",
            $"{Setters(podBad, containers)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", data)}",
            paths);
    }

    /// <summary>procMount unset or Default. Used by baseline's "procMount" (from v1.35 relaxed
    /// for pods in their own user namespace) and, unrelaxed, by restricted's "procMount_restricted".</summary>
    public static PodSecurityViolation? ProcMount(PodSecurityInput pod, string checkId)
    {
        var bad = pod.Containers.Where(c => c.SecurityContext?.ProcMount is { } mount && mount != "Default").ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            checkId,
            "procMount",
            $"{Containers([.. bad.Select(c => c.Name)])} must not set securityContext.procMount to {JoinQuote(Sorted(bad.Select(c => c.SecurityContext!.ProcMount)))}",
            [.. bad.Select(c => c.SecurityPath("procMount"))]);
    }

    /// <summary>Before v1.19 the seccomp annotations: runtime/default, docker/default or localhost/*.</summary>
    public static PodSecurityViolation? SeccompAnnotations(PodSecurityInput pod)
    {
        const string podKey = "seccomp.security.alpha.kubernetes.io/pod";
        const string containerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
        static bool Allowed(string value) => value is "runtime/default" or "docker/default" || value.StartsWith("localhost/", StringComparison.Ordinal);

        var keys = new[] { podKey }.Concat(pod.Containers.Select(c => containerPrefix + c.Name));
        var bad = keys.Distinct(StringComparer.Ordinal)
            .Where(k => pod.Annotations.TryGetValue(k, out var value) && !Allowed(value ?? ""))
            .Select(k => (Text: $"{k}={GoQuote(pod.Annotations[k] ?? "")}", Path: $"metadata.annotations[{k}]"))
            .OrderBy(b => b.Text, StringComparer.Ordinal)
            .ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            "seccompProfile_baseline",
            "seccompProfile",
            $"forbidden {Plural("annotation", "annotations", bad.Count)} {string.Join(", ", bad.Select(b => b.Text))}",
            [.. bad.Select(b => b.Path)]);
    }

    /// <summary>From v1.19 seccompProfile.type, where set, is RuntimeDefault or Localhost.</summary>
    public static PodSecurityViolation? SeccompProfile(PodSecurityInput pod) =>
        SeccompFields.ExplicitlyBad(pod, "seccompProfile_baseline", out _);

    /// <summary>Only the safe sysctls of the version.</summary>
    public static PodSecurityViolation? Sysctls(PodSecurityInput pod, int fromMinor)
    {
        var allowed = SysctlsByVersion.Where(s => s.Minor <= fromMinor).SelectMany(s => s.Names).ToHashSet(StringComparer.Ordinal);
        var sysctls = pod.PodSecurity?.Sysctls ?? [];
        var bad = Enumerable.Range(0, sysctls.Count).Where(i => !allowed.Contains(sysctls[i].Name ?? "")).ToList();
        return bad.Count == 0 ? null : new PodSecurityViolation(
            "sysctls",
            "forbidden sysctls",
            string.Join(", ", bad.Select(i => sysctls[i].Name ?? "")),
            [.. bad.Select(i => $"spec.securityContext.sysctls[{i}].name")]);
    }
}
