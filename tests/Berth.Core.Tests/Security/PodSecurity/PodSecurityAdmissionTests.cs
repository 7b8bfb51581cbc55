using Berth.Core.Security.PodSecurity;
using static Berth.Core.Tests.Security.PodSecurity.PsaPods;

namespace Berth.Core.Tests.Security.PodSecurity;

public class PodSecurityAdmissionTests
{
    private static readonly PodSecurityConfiguration Config = PodSecurityConfiguration.Default;

    private static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(kv => PodSecurityLabels.Prefix + kv[0], kv => kv[1]);

    [Fact]
    public void A_pod_violating_several_checks_is_refused_with_the_api_servers_message()
    {
        var pod = Pod("securityContext: { privileged: true }", "hostNetwork: true");

        var decision = PodSecurityAdmission.Evaluate(pod, true, "team", Labels("enforce=baseline"), Config);

        Assert.False(decision.Allowed);
        Assert.Equal(
            "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostCgroupNamespace=true), "
            + "privileged (container \"c\" must not set securityContext.privileged=true)",
            decision.EnforceMessage);
        Assert.Equal(["hostNamespaces", "privileged"], decision.EnforceViolations.Select(v => v.CheckId));
        Assert.Null(decision.WarnMessage);
    }

    [Fact]
    public void An_allowed_pod_gets_the_warn_and_audit_levels_messages()
    {
        var pod = Pod("securityContext: { allowPrivilegeEscalation: false }");

        var decision = PodSecurityAdmission.Evaluate(pod, null, "team", Labels("enforce=baseline", "warn=restricted", "warn-version=v1.30", "audit=restricted"), Config);

        Assert.True(decision.Allowed);
        Assert.Null(decision.EnforceMessage);
        Assert.Equal(
            "would violate PodSecurity \"restricted:v1.30\": unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
            + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            decision.WarnMessage);
        Assert.StartsWith("would violate PodSecurity \"restricted:latest\": unrestricted capabilities", decision.AuditMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_pod_gets_no_warning_but_is_still_audited()
    {
        var decision = PodSecurityAdmission.Evaluate(Pod(spec: "hostPID: true"), null, "team", Labels("enforce=baseline", "warn=baseline", "audit=baseline"), Config);

        Assert.False(decision.Allowed);
        Assert.Empty(decision.WarnViolations);
        Assert.Equal("would violate PodSecurity \"baseline:latest\": host namespaces (hostPID=true)", decision.AuditMessage);
    }

    [Fact]
    public void Without_labels_the_configurations_defaults_apply()
    {
        var config = PodSecurityConfiguration.Parse("""
            apiVersion: pod-security.admission.config.k8s.io/v1
            kind: PodSecurityConfiguration
            defaults: { enforce: baseline, warn: restricted }
            """, "psa.yaml");
        var pod = Pod(Restricted, "hostNetwork: true");

        Assert.Equal("violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", PodSecurityAdmission.Evaluate(pod, null, "team", null, config).EnforceMessage);
        Assert.True(PodSecurityAdmission.Evaluate(pod, null, "team", Labels("enforce=privileged"), config).Allowed);
        Assert.True(PodSecurityAdmission.Evaluate(pod, null, "team", null, Config).Allowed);
    }

    [Fact]
    public void An_invalid_enforce_label_enforces_restricted_and_reports_the_label()
    {
        var decision = PodSecurityAdmission.Evaluate(Pod(), null, "team", Labels("enforce=strict"), Config, "team-ns.yaml");

        Assert.StartsWith("violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false", decision.EnforceMessage, StringComparison.Ordinal);
        var error = Assert.Single(decision.LabelErrors);
        Assert.Equal("team-ns.yaml: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted", error.ToString());
    }

    [Fact]
    public void The_enforce_version_pins_the_checks()
    {
        var pod = Pod("securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true }");

        Assert.True(PodSecurityAdmission.Evaluate(pod, null, "team", Labels("enforce=restricted", "enforce-version=v1.18"), Config).Allowed);
        Assert.Equal(
            "violates PodSecurity \"restricted:v1.19\": seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            PodSecurityAdmission.Evaluate(pod, null, "team", Labels("enforce=restricted", "enforce-version=v1.19"), Config).EnforceMessage);
    }

    [Fact]
    public void Exempt_namespaces_and_runtime_classes_are_not_checked()
    {
        var config = PodSecurityConfiguration.Parse("""
            apiVersion: pod-security.admission.config.k8s.io/v1
            kind: PodSecurityConfiguration
            defaults: { enforce: restricted }
            exemptions: { namespaces: [kube-system], runtimeClasses: [kata], usernames: [admin] }
            """, "psa.yaml");
        var pod = Pod("securityContext: { privileged: true }");
        var kata = Pod("securityContext: { privileged: true }", "runtimeClassName: kata");

        var system = PodSecurityAdmission.Evaluate(pod, true, "kube-system", null, config);
        Assert.Equal((true, PodSecurityExemption.Namespace), (system.Allowed, system.Exemption));
        var exempt = PodSecurityAdmission.Evaluate(kata, true, "team", null, config);
        Assert.Equal((true, PodSecurityExemption.RuntimeClass), (exempt.Allowed, exempt.Exemption));
        var refused = PodSecurityAdmission.Evaluate(pod, true, "team", null, config);
        Assert.Equal((false, PodSecurityExemption.None), (refused.Allowed, refused.Exemption));
    }

    [Fact]
    public void A_privileged_namespace_allows_host_cgroup_namespaces()
    {
        var decision = PodSecurityAdmission.Evaluate(Pod(spec: "hostPID: true"), true, "team", Labels("enforce=privileged"), Config);

        Assert.True(decision.Allowed);
        Assert.Empty(decision.AuditViolations);
        Assert.Null(decision.WarnMessage);
    }
}
