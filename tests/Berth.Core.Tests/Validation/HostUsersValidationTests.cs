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

        // Only together: hostUsers: true may share the host's namespaces, and false alone is valid.
        Assert.Single(ManifestReader.ReadText(Pod(extra).Replace("hostUsers: false", "hostUsers: true", StringComparison.Ordinal), "p.yaml").Pods);
        Assert.Single(ManifestReader.ReadText(Pod(""), "p.yaml").Pods);
    }
}
