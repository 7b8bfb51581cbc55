using Berth.Runtime.Pods;
using Berth.Runtime.Specs;

namespace Berth.Cri.Runtime;

/// <summary>
/// A CreateContainer request's AppArmor profile and SELinux label, for this host. Where the host
/// has no AppArmor, a Localhost profile is refused and RuntimeDefault means no profile, as
/// containerd does (its generateApparmorSpecOpts: "the runtime's default" on such a host is
/// none, and the kubelet may ask for it on every container). Where the host has no SELinux,
/// a label is refused: a runtime that silently drops it would run the container unlabelled.
/// </summary>
public static class ContainerConfinement
{
    private const string Field = "config.linux.security_context";

    /// <param name="appArmorType">"RuntimeDefault", "Unconfined", "Localhost", or null for none asked.</param>
    public static (string? AppArmor, string? Selinux) Resolve(string? appArmorType, string? localhost, string? selinuxLabel, IHostSecurityFeatures host, List<string> problems)
    {
        string? appArmor = null;
        switch (appArmorType)
        {
            case "Localhost" when !host.AppArmorEnabled:
                problems.Add($"{Field}.apparmor: profile \"{localhost}\" (Localhost) cannot be applied: AppArmor is not enabled on this node");
                break;
            case "Localhost" when string.IsNullOrEmpty(localhost):
                problems.Add($"{Field}.apparmor.localhost_ref is required for a Localhost profile");
                break;
            case "Localhost":
                appArmor = localhost;
                break;
            case "RuntimeDefault" when host.AppArmorEnabled:
                appArmor = SecurityContexts.AppArmorRuntimeDefault;
                break;
        }

        if (selinuxLabel is not null && !host.SelinuxEnabled)
        {
            problems.Add($"{Field}.selinux_options: label \"{selinuxLabel}\" cannot be applied: SELinux is not enabled on this node");
            selinuxLabel = null;
        }

        return (appArmor, selinuxLabel);
    }

    internal static (string? AppArmor, string? Selinux) From(V1.LinuxContainerSecurityContext? security, IHostSecurityFeatures host, List<string> problems)
    {
        string? type = null;
        string? localhost = null;
        if (security?.Apparmor is { } profile)
        {
            type = profile.ProfileType.ToString();
            localhost = profile.LocalhostRef;
        }
        else
        {
#pragma warning disable CS0612 // the deprecated field is what older kubelets send
            var old = security?.ApparmorProfile ?? "";
#pragma warning restore CS0612
            (type, localhost) = old switch
            {
                "" => (null, null),
                "runtime/default" => ("RuntimeDefault", null),
                "unconfined" => ("Unconfined", null),
                _ when old.StartsWith("localhost/", StringComparison.Ordinal) => ("Localhost", old["localhost/".Length..]),
                _ => (null, null),
            };
            if (old.Length > 0 && type is null)
            {
                problems.Add($"{Field}.apparmor_profile \"{old}\": expected runtime/default, unconfined or localhost/<profile>");
            }
        }

        var options = security?.SelinuxOptions;
        var label = options is null ? null : SecurityContexts.SelinuxLabel(new k8s.Models.V1SELinuxOptions
        {
            User = NullIfEmpty(options.User),
            Role = NullIfEmpty(options.Role),
            Type = NullIfEmpty(options.Type),
            Level = NullIfEmpty(options.Level),
        });
        return Resolve(type, localhost, label, host, problems);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
