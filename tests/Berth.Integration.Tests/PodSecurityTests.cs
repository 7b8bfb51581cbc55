using Berth.Integration.Tests.Harness;
using Berth.Linux;
using Berth.Runtime.Pods;

namespace Berth.Integration.Tests;

/// <summary>The securityContext on the standalone door, read back from the kernel: seccomp mode,
/// no_new_privs, groups, volume owners, sysctls; refusals with their exit codes and fields.</summary>
[Collection("node")]
public class PodSecurityTests(TestNode node)
{
    private static string Field(string status, string name) =>
        status.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    private static async Task<string> StatusAsync(Pod pod, string container) =>
        await File.ReadAllTextAsync($"/proc/{await pod.PidAsync(container)}/status");

    private static string Sleeper(string name, string extra = "") =>
        $"    - {{ name: {name}, image: busybox, command: [sleep, \"3600\"]{extra} }}";

    [Fact]
    public async Task Seccomp_profiles_apply_at_pod_and_container_level_and_the_container_wins()
    {
        await using var pod = await node.Agent.PlayAsync("sec-seccomp", $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{"} name: sec-seccomp {"}"}
            spec:
              securityContext: {"{"} seccompProfile: {"{"} type: RuntimeDefault {"}"} {"}"}
              containers:
            {Sleeper("inherits")}
            {Sleeper("unconfined", ", securityContext: { seccompProfile: { type: Unconfined } }")}
            {Sleeper("nnp", ", securityContext: { allowPrivilegeEscalation: false }")}
            {Sleeper("privileged", ", securityContext: { privileged: true }")}
            """);
        Assert.Equal("2", Field(await StatusAsync(pod, "inherits"), "Seccomp"));
        Assert.Equal("0", Field(await StatusAsync(pod, "inherits"), "NoNewPrivs"));
        Assert.Equal("0", Field(await StatusAsync(pod, "unconfined"), "Seccomp"));
        Assert.Equal("1", Field(await StatusAsync(pod, "nnp"), "NoNewPrivs"));
        Assert.Equal("0", Field(await StatusAsync(pod, "privileged"), "Seccomp"));

        await using var own = await node.Agent.PlayAsync("sec-seccomp-own", $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{"} name: sec-seccomp-own {"}"}
            spec:
              containers:
            {Sleeper("plain")}
            {Sleeper("own", ", securityContext: { seccompProfile: { type: RuntimeDefault } }")}
            """);
        Assert.Equal("0", Field(await StatusAsync(own, "plain"), "Seccomp")); // no --seccomp-default on this agent
        Assert.Equal("2", Field(await StatusAsync(own, "own"), "Seccomp"));
    }

    [Fact]
    public async Task RunAsNonRoot_refuses_a_root_image_and_a_root_runAsUser_with_the_kubelets_messages()
    {
        var root = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: sec-nonroot, uid: nonroot-1 }
            spec:
              securityContext: { runAsNonRoot: true }
              containers: [{ name: app, image: busybox, command: [sleep, "3600"] }]
            """);
        try
        {
            Assert.True(root.ExitCode == 1, root.ToString());
            Assert.Contains("CreateContainerConfigError", root.Stdout + root.Stderr, StringComparison.Ordinal);
            Assert.Contains("container has runAsNonRoot and image will run as root (pod: \"sec-nonroot_default(nonroot-1)\", container: app)", root.Stdout + root.Stderr, StringComparison.Ordinal);
            var events = await node.Agent.BerthAsync("events", "sec-nonroot");
            Assert.Contains("image will run as root", events.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await node.Agent.BerthAsync("down", "sec-nonroot", "--grace-period", "0");
        }

        var zero = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: sec-nonroot-zero, uid: nonroot-2 }
            spec:
              securityContext: { runAsNonRoot: true }
              containers: [{ name: app, image: busybox, command: [sleep, "3600"], securityContext: { runAsUser: 0 } }]
            """);
        await node.Agent.BerthAsync("down", "sec-nonroot-zero", "--grace-period", "0");
        Assert.True(zero.ExitCode == 1, zero.ToString());
        Assert.Contains("container's runAsUser breaks non-root policy (pod: \"sec-nonroot-zero_default(nonroot-2)\", container: app)", zero.Stdout + zero.Stderr, StringComparison.Ordinal);

        await using var user = await node.Agent.PlayAsync("sec-nonroot-ok", $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{"} name: sec-nonroot-ok {"}"}
            spec:
              securityContext: {"{"} runAsNonRoot: true, runAsUser: 1000 {"}"}
              containers:
            {Sleeper("app")}
            """);
        Assert.StartsWith("1000\t", Field(await StatusAsync(user, "app"), "Uid"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FsGroup_owns_emptyDir_files_with_setgid_and_joins_every_containers_groups()
    {
        await using var pod = await node.Agent.PlayAsync("sec-fsgroup", """
            apiVersion: v1
            kind: Pod
            metadata: { name: sec-fsgroup }
            spec:
              securityContext: { fsGroup: 2345, runAsUser: 1000 }
              volumes: [{ name: data, emptyDir: {} }]
              containers:
                - name: app
                  image: busybox
                  command: [sh, -c, "mkdir /data/sub && echo hi > /data/sub/file && sleep 3600"]
                  volumeMounts: [{ name: data, mountPath: /data }]
            """);
        Assert.Contains("2345", Field(await StatusAsync(pod, "app"), "Groups").Split(' '));
        var uid = (string)(await pod.InspectAsync())["uid"]!;
        var volume = Path.Combine(node.Agent.Root, "pods", uid, "volumes", "data");
        var file = Path.Combine(volume, "sub", "file");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(file)), found => found, TimeSpan.FromSeconds(10), $"{file} written");
        Assert.Equal(2345u, FileNodes.Stat(volume).Gid);
        Assert.True(File.GetUnixFileMode(volume).HasFlag(UnixFileMode.SetGroup));
        Assert.True(File.GetUnixFileMode(volume).HasFlag(UnixFileMode.GroupWrite));

        // Written by uid 1000, which could only create them through the group's write bit, and
        // given the group by the setgid directory.
        Assert.Equal(2345u, FileNodes.Stat(Path.Combine(volume, "sub")).Gid);
        Assert.Equal(2345u, FileNodes.Stat(file).Gid);
        Assert.Equal(1000u, FileNodes.Stat(file).Uid);
    }

    /// <summary>A symlink the pod left in its volume is re-owned itself, never followed: the walk
    /// must not give the pod's group a directory outside the volume, nor miss dot-files.</summary>
    [Fact]
    public void FsGroup_walk_owns_dot_files_and_never_follows_a_symlink_out_of_the_volume()
    {
        var root = Directory.CreateTempSubdirectory("berth-fsgroup-").FullName;
        var outside = Directory.CreateTempSubdirectory("berth-outside-").FullName;
        try
        {
            var secret = Path.Combine(outside, "secret");
            File.WriteAllText(secret, "x");
            Directory.CreateSymbolicLink(Path.Combine(root, "link"), outside);
            var dot = Path.Combine(root, ".hidden");
            File.WriteAllText(dot, "x");

            Assert.True(VolumeOwnership.Apply(root, 4567, onRootMismatch: false, readOnly: false));
            Assert.Equal(4567u, FileNodes.Stat(dot).Gid);
            Assert.Equal(4567u, FileNodes.LStat(Path.Combine(root, "link")).Gid);
            Assert.Equal(0u, FileNodes.Stat(outside).Gid);
            Assert.Equal(0u, FileNodes.Stat(secret).Gid);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void OnRootMismatch_skips_a_tree_whose_root_already_matches_and_Always_does_not()
    {
        var root = Directory.CreateTempSubdirectory("berth-fsgroup-").FullName;
        try
        {
            var file = Path.Combine(root, "file");
            File.WriteAllText(file, "x");
            FileNodes.LChown(root, -1, 3456);
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("2770", 8));
            FileNodes.LChown(file, -1, 0); // changed after the root was set: a mismatch below a matching root

            Assert.False(VolumeOwnership.Apply(root, 3456, onRootMismatch: true, readOnly: false));
            Assert.Equal(0u, FileNodes.Stat(file).Gid);

            Assert.True(VolumeOwnership.Apply(root, 3456, onRootMismatch: false, readOnly: false));
            Assert.Equal(3456u, FileNodes.Stat(file).Gid);
            Assert.True(File.GetUnixFileMode(file).HasFlag(UnixFileMode.GroupWrite));

            FileNodes.LChown(root, -1, 0);
            FileNodes.LChown(file, -1, 0);
            Assert.True(VolumeOwnership.Apply(root, 3456, onRootMismatch: true, readOnly: false));
            Assert.Equal(3456u, FileNodes.Stat(file).Gid);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task SupplementalGroupsPolicy_Merge_adds_the_images_groups_and_Strict_does_not()
    {
        // An image whose /etc/group makes root a member of group 1234.
        var rootfs = Path.Combine(node.Agent.Dir, "groups-rootfs");
        if (!Directory.Exists(rootfs))
        {
            await Shell.HostAsync("cp", "-a", Path.Combine(node.Agent.Dir, "busybox-rootfs"), rootfs);
            await File.AppendAllTextAsync(Path.Combine(rootfs, "etc", "group"), "extra:x:1234:root\n");
            var import = await node.Agent.BerthAsync("image", "import", rootfs, "busybox-groups");
            Assert.True(import.ExitCode == 0, import.ToString());
        }

        foreach (var (policy, expected) in new[] { ("Merge", "0 1234 5000"), ("Strict", "0 5000") })
        {
            var name = $"sec-groups-{policy.ToLowerInvariant()}";
            await using var pod = await node.Agent.PlayAsync(name, $$"""
                apiVersion: v1
                kind: Pod
                metadata: { name: {{name}} }
                spec:
                  securityContext: { supplementalGroupsPolicy: {{policy}}, supplementalGroups: [5000] }
                  containers: [{ name: app, image: busybox-groups, command: [sleep, "3600"] }]
                """);
            Assert.Equal(expected, string.Join(' ', Field(await StatusAsync(pod, "app"), "Groups").Split(' ', StringSplitOptions.RemoveEmptyEntries).Order()));
        }
    }

    [Fact]
    public async Task Safe_sysctls_apply_in_the_pods_namespace_and_unsafe_ones_are_refused()
    {
        var host = (await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_local_port_range")).Trim();
        await using var pod = await node.Agent.PlayAsync("sec-sysctl", $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{"} name: sec-sysctl {"}"}
            spec:
              securityContext:
                sysctls: [{"{"} name: net.ipv4.ip_local_port_range, value: "20000 30000" {"}"}]
              containers:
            {Sleeper("app")}
            """);
        Assert.Equal("20000\t30000", (await pod.ShAsync("app", "cat /proc/sys/net/ipv4/ip_local_port_range")).Trim());
        Assert.Equal(host, (await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_local_port_range")).Trim());

        var refused = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: sec-sysctl-unsafe }
            spec:
              securityContext: { sysctls: [{ name: net.core.somaxconn, value: "1024" }] }
              containers: [{ name: app, image: busybox, command: [sleep, "3600"] }]
            """);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("spec.securityContext.sysctls[0].name: Forbidden: forbidden sysctl: \"net.core.somaxconn\" not allowlisted", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sec-sysctl-unsafe", (await node.Agent.BerthAsync("ps")).Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spec: { securityContext: { appArmorProfile: { type: RuntimeDefault } }, containers: [APP] }", "spec.securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor: AppArmor is not enabled on the host")]
    [InlineData("spec: { containers: [{ name: app, image: busybox, securityContext: { appArmorProfile: { type: Localhost, localhostProfile: custom } } }] }", "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: Cannot enforce AppArmor")]
    [InlineData("spec: { securityContext: { seLinuxOptions: { level: \"s0:c1\" } }, containers: [APP] }", "spec.securityContext.seLinuxOptions: Forbidden: cannot apply the SELinux label: SELinux is not enabled on the host")]
    [InlineData("spec: { containers: [APP] }\nANNOTATION", "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Forbidden: Cannot enforce AppArmor")]
    [InlineData("spec: { containers: [{ name: app, image: busybox, securityContext: { procMount: Unmasked } }] }", "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`")]
    public async Task Confinement_this_host_cannot_give_is_refused_naming_the_field(string spec, string expected)
    {
        var name = $"sec-refused-{Guid.NewGuid():N}"[..24];
        var annotated = spec.Contains("ANNOTATION", StringComparison.Ordinal);
        var metadata = annotated
            ? $"metadata: {{ name: {name}, annotations: {{ container.apparmor.security.beta.kubernetes.io/app: runtime/default }} }}"
            : $"metadata: {{ name: {name} }}";
        var manifest = $"apiVersion: v1\nkind: Pod\n{metadata}\n" + spec.Replace("\nANNOTATION", "", StringComparison.Ordinal)
            .Replace("APP", "{ name: app, image: busybox, command: [sleep, \"3600\"] }", StringComparison.Ordinal) + "\n";
        var result = await node.Agent.PlayRawAsync(manifest);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(name, (await node.Agent.BerthAsync("ps")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unconfined_apparmor_runs_on_a_host_without_apparmor()
    {
        await using var pod = await node.Agent.PlayAsync("sec-apparmor-free", $"""
            apiVersion: v1
            kind: Pod
            metadata: {"{"} name: sec-apparmor-free {"}"}
            spec:
              securityContext: {"{"} appArmorProfile: {"{"} type: Unconfined {"}"} {"}"}
              containers:
            {Sleeper("app")}
            """);
        Assert.Equal("0", Field(await StatusAsync(pod, "app"), "Seccomp"));
    }
}
