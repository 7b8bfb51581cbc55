using Berth.Core.Manifests;

namespace Berth.Core.Tests.Validation;

public class HostUsersValidationTests
{
    private static string Pod(string extra) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: p }
        spec:
          hostUsers: false
        {{extra}}
          containers: [{ name: c, image: busybox }]
        """;

    [Theory]
    [InlineData("  hostNetwork: true", "spec.hostNetwork")]
    [InlineData("  hostPID: true", "spec.HostPID")]
    [InlineData("  hostIPC: true", "spec.HostIPC")]
    public void A_host_namespace_with_hostUsers_false_is_forbidden_as_the_API_server_says(string extra, string path)
    {
        var e = Assert.Throws<ValidationException>(() => ManifestReader.ReadText(Pod(extra), "p.yaml"));
        Assert.Contains(e.Errors, x => x.ToString().Contains($"{path}: Forbidden: when `pod.Spec.HostUsers` is false", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  hostNetwork: false")]
    public void HostUsers_false_alone_or_with_the_pods_own_namespaces_is_valid(string extra) =>
        Assert.Single(ManifestReader.ReadText(Pod(extra), "p.yaml").Pods);

    [Fact]
    public void HostUsers_true_may_share_the_hosts_namespaces() =>
        Assert.Single(ManifestReader.ReadText(Pod("  hostNetwork: true").Replace("hostUsers: false", "hostUsers: true", StringComparison.Ordinal), "p.yaml").Pods);
}
