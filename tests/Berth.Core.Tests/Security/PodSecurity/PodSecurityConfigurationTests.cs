using Berth.Core.Manifests;
using Berth.Core.Security.PodSecurity;

namespace Berth.Core.Tests.Security.PodSecurity;

public class PodSecurityConfigurationTests
{
    private const string Head = "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\n";

    private static List<string> Errors(string text)
    {
        var e = Assert.Throws<ValidationException>(() => PodSecurityConfiguration.Parse(text, "psa.yaml"));
        return [.. e.Errors.Select(x => $"{x.Path}: {x.Message}")];
    }

    [Fact]
    public void A_full_configuration_is_read()
    {
        var config = PodSecurityConfiguration.Parse(Head + """
            defaults:
              enforce: baseline
              enforce-version: v1.30
              audit: restricted
              audit-version: latest
              warn: restricted
              warn-version: v1.35
            exemptions:
              usernames: ["system:serviceaccount:kube-system:replicaset-controller"]
              runtimeClasses: [kata, gvisor.example.com]
              namespaces: [kube-system]
            """, "psa.yaml");

        Assert.Equal("enforce=baseline:v1.30, audit=restricted:latest, warn=restricted:v1.35", config.Defaults.ToString());
        Assert.Equal(["kube-system"], config.ExemptNamespaces);
        Assert.Equal(["kata", "gvisor.example.com"], config.ExemptRuntimeClasses);
        Assert.Equal(["system:serviceaccount:kube-system:replicaset-controller"], config.ExemptUsernames);
        Assert.Empty(config.Warnings);
    }

    [Theory]
    [InlineData("")]
    [InlineData("defaults: {}\nexemptions: {}")]
    [InlineData("defaults: { enforce: \"\", warn-version: \"\" }")]
    [InlineData("defaults:\nexemptions:")]
    public void Unset_or_empty_defaults_are_privileged_latest(string body)
    {
        var config = PodSecurityConfiguration.Parse(Head + body, "psa.yaml");

        Assert.Equal(PodSecurityPolicy.Privileged, config.Defaults);
        Assert.Empty(config.ExemptNamespaces);
    }

    [Fact]
    public void Unknown_fields_are_warnings_with_their_path()
    {
        var config = PodSecurityConfiguration.Parse(Head + "defaults: { enforce: baseline, enforced: restricted }\nexemptions: { users: [a] }\nmetadata: { name: x }", "psa.yaml");

        Assert.Equal(PodSecurityLevel.Baseline, config.Defaults.Enforce.Level);
        Assert.Equal(["psa.yaml: defaults.enforced: unknown field", "psa.yaml: exemptions.users: unknown field", "psa.yaml: metadata: unknown field"], config.Warnings.Select(w => w.ToString()));
    }

    [Theory]
    [InlineData("defaults: { enforce: Restricted }", "defaults.enforce: Invalid value: \"Restricted\": must be one of privileged, baseline, restricted")]
    [InlineData("defaults: { audit: none }", "defaults.audit: Invalid value: \"none\": must be one of privileged, baseline, restricted")]
    [InlineData("defaults: { warn-version: \"1.30\" }", "defaults.warn-version: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"")]
    [InlineData("defaults: { enforce: [baseline] }", "defaults.enforce: Invalid value: must be a string")]
    [InlineData("defaults: restricted", "defaults: Invalid value: must be an object")]
    [InlineData("exemptions: { namespaces: [Kube-System] }", "exemptions.namespaces[0]: Invalid value: \"Kube-System\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')")]
    [InlineData("exemptions: { namespaces: [a, b, a] }", "exemptions.namespaces[2]: Duplicate value: \"a\"")]
    [InlineData("exemptions: { runtimeClasses: [kata_1] }", "exemptions.runtimeClasses[0]: Invalid value: \"kata_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")]
    [InlineData("exemptions: { usernames: [\"\"] }", "exemptions.usernames[0]: Invalid value: \"\": username must not be empty")]
    [InlineData("exemptions: { namespaces: kube-system }", "exemptions.namespaces: Invalid value: must be a list of strings")]
    public void Bad_values_are_errors_naming_their_path(string body, string expected) =>
        Assert.Equal([expected], Errors(Head + body));

    [Fact]
    public void Every_error_is_reported_at_once() =>
        Assert.Equal(
            ["defaults.enforce: Invalid value: \"x\": must be one of privileged, baseline, restricted", "defaults.audit-version: Invalid value: \"v1\": must be \"latest\" or \"v1.x\""],
            Errors(Head + "defaults: { enforce: x, audit-version: v1 }"));

    [Theory]
    [InlineData("apiVersion: pod-security.admission.config.k8s.io/v1beta1\nkind: PodSecurityConfiguration", "apiVersion: Unsupported value: \"pod-security.admission.config.k8s.io/v1beta1\": supported values: \"pod-security.admission.config.k8s.io/v1\"")]
    [InlineData("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: KubeletConfiguration", "kind: Unsupported value: \"KubeletConfiguration\": supported values: \"PodSecurityConfiguration\"")]
    [InlineData("kind: PodSecurityConfiguration", "apiVersion: Required value: must be pod-security.admission.config.k8s.io/v1")]
    [InlineData("[1, 2]", ": Invalid value: expected a PodSecurityConfiguration object")]
    [InlineData("a: [", null)]
    public void Only_a_v1_PodSecurityConfiguration_is_read(string text, string? expected)
    {
        var errors = Errors(text);
        if (expected is null)
        {
            Assert.StartsWith(": not valid YAML", Assert.Single(errors), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal([expected], errors);
        }
    }
}
