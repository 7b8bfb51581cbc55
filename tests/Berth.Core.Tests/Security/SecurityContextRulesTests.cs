using Berth.Core.Manifests;
using Berth.Core.Validation;

namespace Berth.Core.Tests.Security;

public class SecurityContextRulesTests
{
    private static List<string> Errors(string containerExtra = "", string specExtra = "")
    {
        try
        {
            return [.. PodValidator.Validate(Pods.With(Pods.C("app", extra: containerExtra), specExtra: specExtra)).Select(e => $"{e.Path}: {e.Message}")];
        }
        catch (ValidationException e)
        {
            return [.. e.Errors.Select(e => $"{e.Path}: {e.Message}")];
        }
    }

    [Fact]
    public void Unmasked_procMount_needs_its_own_user_namespace()
    {
        Assert.Contains("spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`",
            Errors("securityContext: { procMount: Unmasked }"));
        Assert.Empty(Errors("securityContext: { procMount: Unmasked }", "  hostUsers: false"));
        Assert.Empty(Errors("securityContext: { procMount: Default }"));
        Assert.Contains("spec.containers[0].securityContext.procMount: Unsupported value: \"Open\": supported values: \"Default\", \"Unmasked\"",
            Errors("securityContext: { procMount: Open }"));
    }

    [Theory]
    [InlineData("{ type: Localhost }", "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost")]
    [InlineData("{ type: Localhost, localhostProfile: ../etc/x.json }", "spec.securityContext.seccompProfile.localhostProfile: Invalid value: \"../etc/x.json\": must not contain '..'")]
    [InlineData("{ type: Localhost, localhostProfile: /etc/x.json }", "spec.securityContext.seccompProfile.localhostProfile: Invalid value: \"/etc/x.json\": must be a relative path")]
    [InlineData("{ type: RuntimeDefault, localhostProfile: x.json }", "spec.securityContext.seccompProfile.localhostProfile: Invalid value: \"x.json\": can only be set when seccomp type is Localhost")]
    [InlineData("{ type: Strict }", "spec.securityContext.seccompProfile.type: Unsupported value: \"Strict\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"")]
    public void Seccomp_profiles_are_checked_like_the_api_server(string profile, string expected) =>
        Assert.Contains(expected, Errors(specExtra: $"  securityContext:\n    seccompProfile: {profile}"));

    [Fact]
    public void A_localhost_seccomp_profile_below_the_root_is_accepted() =>
        Assert.Empty(Errors(specExtra: "  securityContext:\n    seccompProfile: { type: Localhost, localhostProfile: profiles/deny.json }"));

    [Fact]
    public void Sysctls_need_valid_unique_names_and_their_namespace_unshared()
    {
        Assert.Contains("spec.securityContext.sysctls[0].name: Invalid value: \"net.ipv4.ip_local_port_range\": may not be specified when 'hostNetwork' is true",
            Errors(specExtra: "  hostNetwork: true\n  securityContext:\n    sysctls: [{ name: net.ipv4.ip_local_port_range, value: \"1024 2048\" }]"));
        Assert.Contains("spec.securityContext.sysctls[0].name: Invalid value: \"kernel.shm_rmid_forced\": may not be specified when 'hostIPC' is true",
            Errors(specExtra: "  hostIPC: true\n  securityContext:\n    sysctls: [{ name: kernel.shm_rmid_forced, value: \"1\" }]"));
        Assert.Contains("spec.securityContext.sysctls[1].name: Duplicate value: \"net/ipv4/tcp_syncookies\"",
            Errors(specExtra: "  securityContext:\n    sysctls: [{ name: net.ipv4.tcp_syncookies, value: \"1\" }, { name: net/ipv4/tcp_syncookies, value: \"1\" }]"));
        Assert.Contains(Errors(specExtra: "  securityContext:\n    sysctls: [{ name: \"Net..x\", value: \"1\" }]"), e => e.StartsWith("spec.securityContext.sysctls[0].name: Invalid value: \"Net..x\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Group_policies_and_apparmor_values_are_checked()
    {
        Assert.Contains("spec.securityContext.supplementalGroupsPolicy: Unsupported value: \"Loose\": supported values: \"Merge\", \"Strict\"",
            Errors(specExtra: "  securityContext: { supplementalGroupsPolicy: Loose }"));
        Assert.Contains("spec.securityContext.fsGroupChangePolicy: Unsupported value: \"Never\": supported values: \"OnRootMismatch\", \"Always\"",
            Errors(specExtra: "  securityContext: { fsGroupChangePolicy: Never }"));
        Assert.Contains("spec.containers[0].securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost",
            Errors("securityContext: { appArmorProfile: { type: Localhost } }"));
    }
}
