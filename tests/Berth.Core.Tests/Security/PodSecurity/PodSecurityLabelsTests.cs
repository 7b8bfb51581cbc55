using Berth.Core.Security.PodSecurity;

namespace Berth.Core.Tests.Security.PodSecurity;

public class PodSecurityLabelsTests
{
    private static readonly PodSecurityPolicy Defaults = PodSecurityPolicy.Privileged with
    {
        Audit = new PodSecurityLevelVersion(PodSecurityLevel.Baseline, PodSecurityVersion.V1(30)),
    };

    private static (string Policy, string Errors) Read(string labels)
    {
        var map = labels.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .ToDictionary(kv => PodSecurityLabels.Prefix + kv[0].Trim(), kv => kv[1]);
        var (policy, errors) = PodSecurityLabels.PolicyFor(map, Defaults, "ns.yaml");
        return (policy.ToString(), string.Join(" | ", errors.Select(e => e.ToString())));
    }

    [Theory]
    [InlineData("", "enforce=privileged:latest, audit=baseline:v1.30, warn=privileged:latest")]
    [InlineData("enforce=baseline", "enforce=baseline:latest, audit=baseline:v1.30, warn=baseline:latest")]
    // Warn follows a stricter enforce, with its version unless warn-version is set ...
    [InlineData("enforce=restricted,enforce-version=v1.25", "enforce=restricted:v1.25, audit=baseline:v1.30, warn=restricted:v1.25")]
    [InlineData("enforce=restricted,enforce-version=v1.25,warn-version=v1.29", "enforce=restricted:v1.25, audit=baseline:v1.30, warn=restricted:v1.29")]
    // ... but not when warn is set.
    [InlineData("enforce=restricted,warn=baseline", "enforce=restricted:latest, audit=baseline:v1.30, warn=baseline:latest")]
    [InlineData("audit=restricted,audit-version=v1.0,warn=baseline,warn-version=v1.31", "enforce=privileged:latest, audit=restricted:v1.0, warn=baseline:v1.31")]
    public void Labels_override_the_defaults(string labels, string expected)
    {
        var (policy, errors) = Read(labels);
        Assert.Equal(expected, policy);
        Assert.Equal("", errors);
    }

    [Theory]
    // An invalid enforce level fails closed, and does not raise warn.
    [InlineData("enforce=Baseline", "enforce=restricted:latest, audit=baseline:v1.30, warn=privileged:latest",
        "ns.yaml: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"Baseline\": must be one of privileged, baseline, restricted")]
    // Invalid audit and warn levels fail open.
    [InlineData("audit=strict,warn=", "enforce=privileged:latest, audit=privileged:v1.30, warn=privileged:latest",
        "ns.yaml: metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: \"strict\": must be one of privileged, baseline, restricted"
        + " | ns.yaml: metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: \"\": must be one of privileged, baseline, restricted")]
    // An invalid version is latest.
    [InlineData("enforce=baseline,enforce-version=1.25", "enforce=baseline:latest, audit=baseline:v1.30, warn=baseline:latest",
        "ns.yaml: metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: \"1.25\": must be \"latest\" or \"v1.x\"")]
    [InlineData("audit-version=v2.0", "enforce=privileged:latest, audit=baseline:latest, warn=privileged:latest",
        "ns.yaml: metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: \"v2.0\": must be \"latest\" or \"v1.x\"")]
    public void Bad_labels_are_errors_naming_the_label_and_fall_back_as_psa(string labels, string expectedPolicy, string expectedErrors)
    {
        var (policy, errors) = Read(labels);
        Assert.Equal(expectedPolicy, policy);
        Assert.Equal(expectedErrors, errors);
    }

    [Theory]
    [InlineData("latest", "latest")]
    [InlineData("v1.0", "v1.0")]
    [InlineData("v1.35", "v1.35")]
    [InlineData("v1.05", null)]
    [InlineData("v2.1", null)]
    [InlineData("1.25", null)]
    [InlineData("Latest", null)]
    [InlineData("v1.25\n", null)]
    [InlineData("v1.99999999999", null)]
    [InlineData("", null)]
    public void Versions_parse_as_psa(string text, string? expected) =>
        Assert.Equal(expected, PodSecurityVersion.Parse(text)?.ToString());

    [Theory]
    [InlineData("privileged", PodSecurityLevel.Privileged)]
    [InlineData("baseline", PodSecurityLevel.Baseline)]
    [InlineData("restricted", PodSecurityLevel.Restricted)]
    [InlineData("Restricted", null)]
    [InlineData(" baseline", null)]
    [InlineData("", null)]
    public void Levels_parse_exactly(string text, PodSecurityLevel? expected) =>
        Assert.Equal(expected, PodSecurityLevels.Parse(text));
}
