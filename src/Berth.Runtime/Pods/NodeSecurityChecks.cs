using Berth.Core.Security;
using Berth.Runtime.Specs;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>
/// What a pod's security context asks of this node, checked before anything is created: an
/// AppArmor profile or SELinux label needs the module enabled (a container never runs with less
/// confinement than it asked for), and a sysctl must be safe on this kernel or allowed by the
/// node (kubelet admission: pkg/kubelet/lifecycle and pkg/kubelet/sysctl). Each problem names
/// the field; the caller refuses the pod with all of them.
/// </summary>
public static class NodeSecurityChecks
{
    private const string NoAppArmor = "Forbidden: Cannot enforce AppArmor: AppArmor is not enabled on the host";
    private const string NoSelinux = "Forbidden: cannot apply the SELinux label: SELinux is not enabled on the host";

    public static void Check(V1Pod pod, NodeSecurityOptions node, IHostSecurityFeatures host, Action<string, string> add)
    {
        var spec = pod.Spec;
        var podSecurity = spec.SecurityContext;
        if (!host.AppArmorEnabled)
        {
            if (Confines(podSecurity?.AppArmorProfile?.Type))
            {
                add("spec.securityContext.appArmorProfile.type", NoAppArmor);
            }

            foreach (var (key, value) in pod.Metadata?.Annotations ?? new Dictionary<string, string>())
            {
                if (key.StartsWith(SecurityContextRules.AppArmorAnnotationPrefix, StringComparison.Ordinal) && Confines(SecurityContextRules.AppArmorAnnotation(value)?.Type))
                {
                    add($"metadata.annotations[{key}]", NoAppArmor);
                }
            }
        }

        if (!host.SelinuxEnabled && SecurityContexts.SelinuxLabel(podSecurity?.SeLinuxOptions) is not null)
        {
            add("spec.securityContext.seLinuxOptions", NoSelinux);
        }

        foreach (var (list, listPath) in new[] { (spec.InitContainers, "spec.initContainers"), (spec.Containers, "spec.containers") })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var security = list![i].SecurityContext;
                if (!host.AppArmorEnabled && Confines(security?.AppArmorProfile?.Type))
                {
                    add($"{listPath}[{i}].securityContext.appArmorProfile.type", NoAppArmor);
                }

                if (!host.SelinuxEnabled && SecurityContexts.SelinuxLabel(security?.SeLinuxOptions) is not null)
                {
                    add($"{listPath}[{i}].securityContext.seLinuxOptions", NoSelinux);
                }
            }
        }

        var safe = Sysctls.SafeSet(host.KernelVersion);
        for (var i = 0; i < (podSecurity?.Sysctls?.Count ?? 0); i++)
        {
            var name = podSecurity!.Sysctls![i].Name ?? "";
            if (Sysctls.NodeRefusal(name, safe, node.AllowedUnsafeSysctls, spec.HostNetwork == true, spec.HostIPC == true) is { } refusal)
            {
                add($"spec.securityContext.sysctls[{i}].name", $"Forbidden: {refusal} (SysctlForbidden)");
            }
        }
    }

    /// <summary>Unconfined needs no AppArmor; any other profile does.</summary>
    private static bool Confines(string? type) => type is not null and not "Unconfined";
}
