using Berth.Core.Security.PodSecurity;
using static Berth.Core.Tests.Security.PodSecurity.PsaPods;

namespace Berth.Core.Tests.Security.PodSecurity;

/// <summary>KEP-5714: baseline (and so restricted) forbids sharing the node's cgroup namespace.</summary>
public class HostCgroupNamespaceTests
{
    [Theory]
    [InlineData(PodSecurityLevel.Baseline, true, "host namespaces (hostCgroupNamespace=true)")]
    [InlineData(PodSecurityLevel.Baseline, false, "")]
    [InlineData(PodSecurityLevel.Baseline, null, "")]
    [InlineData(PodSecurityLevel.Restricted, true, "host namespaces (hostCgroupNamespace=true)")]
    [InlineData(PodSecurityLevel.Restricted, false, "")]
    [InlineData(PodSecurityLevel.Restricted, null, "")]
    [InlineData(PodSecurityLevel.Privileged, true, "")]
    [InlineData(PodSecurityLevel.Privileged, null, "")]
    public void Only_true_is_forbidden_and_only_from_baseline(PodSecurityLevel level, bool? hostCgroupNamespace, string expected) =>
        Assert.Equal(expected, PodSecurityViolation.Describe(PodSecurityStandards.Check(Pod(Restricted), hostCgroupNamespace, level, PodSecurityVersion.Latest)));

    [Theory]
    [InlineData("v1.0")]
    [InlineData("v1.25")]
    [InlineData("latest")]
    public void It_is_one_of_the_host_namespaces_at_every_version(string version)
    {
        var violation = Assert.Single(PodSecurityStandards.Check(
            Pod(spec: "hostNetwork: true\nhostPID: true\nhostIPC: true"), true, PodSecurityLevel.Baseline, PodSecurityVersion.Parse(version)!.Value));

        Assert.Equal("hostNamespaces", violation.CheckId);
        Assert.Equal("host namespaces", violation.Reason);
        Assert.Equal("hostNetwork=true, hostPID=true, hostIPC=true, hostCgroupNamespace=true", violation.Detail);
        Assert.Equal(["spec.hostNetwork", "spec.hostPID", "spec.hostIPC", "spec.hostCgroupNamespace"], violation.Paths);
    }
}
