using Berth.Core.Manifests;
using Berth.Cri.Runtime;
using Berth.Runtime.Pods;
using Berth.Runtime.Specs;
using k8s.Models;

namespace Berth.Cli.Tests;

/// <summary>The node checks on a fake host, with and without each security module.</summary>
public class NodeSecurityChecksTests
{
    private sealed record FakeHost(bool AppArmorEnabled, bool SelinuxEnabled, Version? KernelVersion = null) : IHostSecurityFeatures;

    private static V1Pod Pod(string yaml) => ManifestReader.ReadText(yaml, "t.yaml").Pods.Single().Pod;

    private const string Confined = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          annotations: { container.apparmor.security.beta.kubernetes.io/old: "localhost/custom" }
        spec:
          securityContext:
            appArmorProfile: { type: RuntimeDefault }
            seLinuxOptions: { level: "s0:c1,c2" }
          containers:
            - { name: app, image: busybox, securityContext: { appArmorProfile: { type: Localhost, localhostProfile: custom }, seLinuxOptions: { type: spc_t } } }
            - { name: free, image: busybox, securityContext: { appArmorProfile: { type: Unconfined } } }
            - { name: old, image: busybox }
        """;

    private static List<string> Check(V1Pod pod, IHostSecurityFeatures host, NodeSecurityOptions? node = null)
    {
        var problems = new List<string>();
        NodeSecurityChecks.Check(pod, node ?? new NodeSecurityOptions(), host, (path, message) => problems.Add($"{path}: {message}"));
        return problems;
    }

    [Fact]
    public void A_host_without_apparmor_or_selinux_refuses_each_field_that_asks_for_them()
    {
        var problems = Check(Pod(Confined), new FakeHost(false, false));
        Assert.Equal(
            [
                "spec.securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor: AppArmor is not enabled on the host",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/old]: Forbidden: Cannot enforce AppArmor: AppArmor is not enabled on the host",
                "spec.securityContext.seLinuxOptions: Forbidden: cannot apply the SELinux label: SELinux is not enabled on the host",
                "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor: AppArmor is not enabled on the host",
                "spec.containers[0].securityContext.seLinuxOptions: Forbidden: cannot apply the SELinux label: SELinux is not enabled on the host",
            ],
            problems);
    }

    [Fact]
    public void A_host_with_both_applies_them()
    {
        var pod = Pod(Confined);
        Assert.Empty(Check(pod, new FakeHost(true, true)));
        var app = SecurityContexts.For(pod, pod.Spec.Containers[0], new NodeSecurityOptions());
        Assert.Equal("custom", app.AppArmorProfile);
        Assert.Equal("system_u:system_r:spc_t:s0", app.SelinuxLabel);
        Assert.Null(SecurityContexts.For(pod, pod.Spec.Containers[1], new NodeSecurityOptions()).AppArmorProfile);
        var old = SecurityContexts.For(pod, pod.Spec.Containers[2], new NodeSecurityOptions());
        Assert.Equal("custom", old.AppArmorProfile); // the deprecated annotation, over the pod's field
        Assert.Equal("system_u:system_r:container_t:s0:c1,c2", old.SelinuxLabel);
    }

    [Fact]
    public void Unconfined_apparmor_is_fine_everywhere() =>
        Assert.Empty(Check(Pod("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              securityContext: { appArmorProfile: { type: Unconfined } }
              containers: [{ name: app, image: busybox }]
            """), new FakeHost(false, false)));

    [Fact]
    public void Sysctls_are_checked_against_the_kernels_safe_set_and_the_node_allow_list()
    {
        var pod = Pod("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              securityContext:
                sysctls: [{ name: net.ipv4.tcp_rmem, value: "4096 87380 6291456" }, { name: net.core.somaxconn, value: "1024" }]
              containers: [{ name: app, image: busybox }]
            """);
        Assert.Equal(
            ["spec.securityContext.sysctls[1].name: Forbidden: forbidden sysctl: \"net.core.somaxconn\" not allowlisted (SysctlForbidden)"],
            Check(pod, new FakeHost(false, false, new Version(6, 18))));
        Assert.Equal(2, Check(pod, new FakeHost(false, false, new Version(4, 14))).Count);
        Assert.Empty(Check(pod, new FakeHost(false, false, new Version(6, 18)), new NodeSecurityOptions { AllowedUnsafeSysctls = ["net.core.*"] }));
    }

    [Fact]
    public void The_cri_door_refuses_localhost_apparmor_and_selinux_without_them_and_drops_runtime_default()
    {
        var problems = new List<string>();
        Assert.Equal((null, null), ContainerConfinement.Resolve("RuntimeDefault", null, null, new FakeHost(false, false), problems));
        Assert.Empty(problems);
        ContainerConfinement.Resolve("Localhost", "custom", "system_u:system_r:spc_t:s0", new FakeHost(false, false), problems);
        Assert.Equal(2, problems.Count);
        Assert.Contains("config.linux.security_context.apparmor", problems[0], StringComparison.Ordinal);
        Assert.Contains("config.linux.security_context.selinux_options", problems[1], StringComparison.Ordinal);

        problems.Clear();
        Assert.Equal(("custom", "system_u:system_r:spc_t:s0"), ContainerConfinement.Resolve("Localhost", "custom", "system_u:system_r:spc_t:s0", new FakeHost(true, true), problems));
        Assert.Equal((SecurityContexts.AppArmorRuntimeDefault, null), ContainerConfinement.Resolve("RuntimeDefault", null, null, new FakeHost(true, true), problems));
        Assert.Empty(problems);
    }
}
