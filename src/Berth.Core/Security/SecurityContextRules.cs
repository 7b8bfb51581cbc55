using System.Text.RegularExpressions;
using k8s.Models;

namespace Berth.Core.Security;

/// <summary>
/// The API server's checks of the security-context fields Berth applies (seccomp, AppArmor,
/// groups policies, sysctls, procMount), worded like k8s.io/kubernetes/pkg/apis/core/validation.
/// Pure: what the node can or may do is checked by the agent.
/// </summary>
public static partial class SecurityContextRules
{
    public const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

    public static readonly string[] ProfileTypes = ["Localhost", "RuntimeDefault", "Unconfined"];
    public static readonly string[] SupplementalGroupsPolicies = ["Merge", "Strict"];
    public static readonly string[] FsGroupChangePolicies = ["OnRootMismatch", "Always"];
    public static readonly string[] ProcMountTypes = ["Default", "Unmasked"];

    // validation.go's sysctl name pattern (IsValidSysctlName): dot or slash separated segments.
    [GeneratedRegex(@"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SysctlName();

    public static void Validate(V1Pod pod, Action<string, string> add)
    {
        var spec = pod.Spec;
        var podSecurity = spec.SecurityContext;
        if (podSecurity is not null)
        {
            const string path = "spec.securityContext";
            ValidateProfile(podSecurity.SeccompProfile?.Type, podSecurity.SeccompProfile?.LocalhostProfile, $"{path}.seccompProfile", "seccomp", add);
            ValidateProfile(podSecurity.AppArmorProfile?.Type, podSecurity.AppArmorProfile?.LocalhostProfile, $"{path}.appArmorProfile", "AppArmor", add);
            if (podSecurity.SupplementalGroupsPolicy is { } groupsPolicy && !SupplementalGroupsPolicies.Contains(groupsPolicy))
            {
                add($"{path}.supplementalGroupsPolicy", Unsupported(groupsPolicy, SupplementalGroupsPolicies));
            }

            if (podSecurity.FsGroupChangePolicy is { } changePolicy && !FsGroupChangePolicies.Contains(changePolicy))
            {
                add($"{path}.fsGroupChangePolicy", Unsupported(changePolicy, FsGroupChangePolicies));
            }

            ValidateSysctls(podSecurity.Sysctls, spec.HostNetwork == true, spec.HostIPC == true, $"{path}.sysctls", add);
        }

        foreach (var (list, listPath) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var security = list![i].SecurityContext;
                var path = $"{listPath}[{i}].securityContext";
                ValidateProfile(security?.SeccompProfile?.Type, security?.SeccompProfile?.LocalhostProfile, $"{path}.seccompProfile", "seccomp", add);
                ValidateProfile(security?.AppArmorProfile?.Type, security?.AppArmorProfile?.LocalhostProfile, $"{path}.appArmorProfile", "AppArmor", add);
                if (security?.ProcMount is { } procMount)
                {
                    if (!ProcMountTypes.Contains(procMount))
                    {
                        add($"{path}.procMount", Unsupported(procMount, ProcMountTypes));
                    }
                    else if (procMount == "Unmasked" && spec.HostUsers != false)
                    {
                        // validation.go validateProcMountType: an unmasked /proc is only safe
                        // inside the pod's own user namespace.
                        add($"{path}.procMount", "Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`");
                    }
                }
            }
        }

        foreach (var (key, value) in pod.Metadata?.Annotations ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal) && AppArmorAnnotation(value) is null)
            {
                add($"metadata.annotations[{key}]", $"Invalid value: \"{value}\": invalid AppArmor profile name: \"{value}\"");
            }
        }
    }

    /// <summary>The deprecated annotation's value as a profile type and localhost name:
    /// runtime/default, unconfined or localhost/&lt;name&gt;; null when it is none of these.</summary>
    public static (string Type, string? Localhost)? AppArmorAnnotation(string value) => value switch
    {
        "runtime/default" => ("RuntimeDefault", null),
        "unconfined" => ("Unconfined", null),
        _ when value.StartsWith("localhost/", StringComparison.Ordinal) && value.Length > "localhost/".Length => ("Localhost", value["localhost/".Length..]),
        _ => null,
    };

    /// <summary>validation.go validateSeccompProfileField / validateAppArmorProfileField: a known
    /// type, and a localhost profile exactly with Localhost. A seccomp profile is a file below
    /// the node's profile root, so its name must stay below it.</summary>
    private static void ValidateProfile(string? type, string? localhost, string path, string what, Action<string, string> add)
    {
        if (type is null)
        {
            return;
        }

        if (!ProfileTypes.Contains(type))
        {
            add($"{path}.type", Unsupported(type, ProfileTypes));
            return;
        }

        if (type == "Localhost")
        {
            if (string.IsNullOrEmpty(localhost))
            {
                add($"{path}.localhostProfile", $"Required value: must be set when {what} type is Localhost");
            }
            else if (what == "seccomp" && localhost.StartsWith('/'))
            {
                add($"{path}.localhostProfile", $"Invalid value: \"{localhost}\": must be a relative path");
            }
            else if (what == "seccomp" && localhost.Split('/').Contains(".."))
            {
                add($"{path}.localhostProfile", $"Invalid value: \"{localhost}\": must not contain '..'");
            }
        }
        else if (localhost is not null)
        {
            add($"{path}.localhostProfile", $"Invalid value: \"{localhost}\": can only be set when {what} type is Localhost");
        }
    }

    /// <summary>validation.go validateSysctls: valid, unique names, none of a namespace the pod
    /// shares with the host.</summary>
    private static void ValidateSysctls(IList<V1Sysctl>? sysctls, bool hostNetwork, bool hostIpc, string listPath, Action<string, string> add)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (sysctls?.Count ?? 0); i++)
        {
            var name = sysctls![i].Name ?? "";
            var path = $"{listPath}[{i}].name";
            if (name.Length == 0)
            {
                add(path, "Required value");
            }
            else if (name.Length > 253 || !SysctlName().IsMatch(name))
            {
                add(path, $"Invalid value: \"{name}\": must have at most 253 characters and match regex {SysctlName()}");
            }
            else if (!seen.Add(Sysctls.Normalize(name)))
            {
                add(path, $"Duplicate value: \"{name}\"");
            }
            else if (hostNetwork && Sysctls.NamespaceOf(name) == SysctlNamespace.Net)
            {
                add(path, $"Invalid value: \"{name}\": may not be specified when 'hostNetwork' is true");
            }
            else if (hostIpc && Sysctls.NamespaceOf(name) == SysctlNamespace.Ipc)
            {
                add(path, $"Invalid value: \"{name}\": may not be specified when 'hostIPC' is true");
            }
        }
    }

    private static string Unsupported(string value, IEnumerable<string> supported) =>
        $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}";
}
