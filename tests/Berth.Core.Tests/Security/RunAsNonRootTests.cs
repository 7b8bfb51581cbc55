using Berth.Core.Security;

namespace Berth.Core.Tests.Security;

public class RunAsNonRootTests
{
    private const string Pod = "web_default(u1)";

    [Theory]
    [InlineData(null, null, "", null)]
    [InlineData(false, null, "", null)]
    [InlineData(true, 1000L, "", null)]
    [InlineData(true, 1000L, "root", null)]
    [InlineData(true, 0L, "1000", "container's runAsUser breaks non-root policy (pod: \"web_default(u1)\", container: app)")]
    [InlineData(true, null, "", "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", container: app)")]
    [InlineData(true, null, "0", "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", container: app)")]
    [InlineData(true, null, "0:1000", "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", container: app)")]
    [InlineData(true, null, "1000", null)]
    [InlineData(true, null, "1000:0", null)]
    [InlineData(true, null, "nobody", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: \"web_default(u1)\", container: app)")]
    [InlineData(true, null, "app:staff", "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: \"web_default(u1)\", container: app)")]
    public void The_kubelets_rules_and_messages(bool? runAsNonRoot, long? runAsUser, string imageUser, string? expected) =>
        Assert.Equal(expected, RunAsNonRoot.Violation(runAsNonRoot, runAsUser, imageUser, Pod, "app"));

    [Fact]
    public void Pods_are_described_as_the_kubelet_formats_them() =>
        Assert.Equal("web_shop(abc)", RunAsNonRoot.PodDescription("web", "shop", "abc"));
}
