using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriSecurityTests(CriNode node)
{
    private static LinuxContainerSecurityContext Security(ContainerConfig config) => config.Linux.SecurityContext;

    private static string Field(string status, string name) =>
        status.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Fact]
    public async Task User_groups_capabilities_and_privilege_settings_apply()
    {
        await using var pod = await node.RunPodAsync("security");
        var id = await pod.StartSleeperAsync("app", c =>
        {
            var s = Security(c);
            s.RunAsUser = new Int64Value { Value = 1000 };
            s.RunAsGroup = new Int64Value { Value = 3000 };
            s.SupplementalGroups.Add(4000);
            s.ReadonlyRootfs = true;
            s.NoNewPrivs = true;
            s.Capabilities = new Capability { DropCapabilities = { "ALL" }, AddCapabilities = { "NET_BIND_SERVICE" }, AddAmbientCapabilities = { "NET_BIND_SERVICE" } };
        });
        Assert.Equal("1000 3000", (await node.ShAsync(id, "echo $(id -u) $(id -g)")).Trim());
        Assert.Contains("4000", (await node.ShAsync(id, "id -G")).Split(' ', StringSplitOptions.TrimEntries));
        var status = await node.ShAsync(id, "cat /proc/self/status");
        Assert.Equal("0000000000000400", Field(status, "CapEff")); // NET_BIND_SERVICE only, kept by a non-root user through ambient
        Assert.Equal("0000000000000400", Field(status, "CapAmb"));
        Assert.Equal("1", Field(status, "NoNewPrivs"));
        var write = await node.ExecAsync(id, "touch", "/written");
        Assert.NotEqual(0, write.ExitCode);
        var user = (await node.StatusAsync(id)).User.Linux;
        Assert.Equal(1000, user.Uid);
        Assert.Equal(3000, user.Gid);
        Assert.Contains(4000L, user.SupplementalGroups);

        // A user name resolves through the image's /etc/passwd.
        var named = await pod.StartSleeperAsync("named", c => Security(c).RunAsUsername = "nobody");
        Assert.Equal("65534 65534", (await node.ShAsync(named, "echo $(id -u) $(id -g)")).Trim());
        var ghost = CriNode.Container("ghost", "true");
        Security(ghost).RunAsUsername = "ghost";
        var unknown = await CriNode.FailsAsync(() => pod.CreateAsync(ghost));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
    }

    [Fact]
    public async Task Privileged_gets_every_capability_and_no_masks_and_path_lists_replace_the_defaults()
    {
        await using var pod = await node.RunPodAsync("privileged", c => c.Linux.SecurityContext.Privileged = true);
        var privileged = await pod.StartSleeperAsync("root", c => Security(c).Privileged = true);
        var hostBounding = Field(await File.ReadAllTextAsync("/proc/self/status"), "CapBnd");
        Assert.Equal(hostBounding, Field(await node.ShAsync(privileged, "cat /proc/self/status"), "CapEff"));
        var mounts = await node.ShAsync(privileged, "cat /proc/self/mountinfo");
        Assert.DoesNotContain(" /proc/keys ", mounts, StringComparison.Ordinal);
        Assert.Contains(mounts.Split('\n'), l => l.Split(' ') is [_, _, _, _, "/sys", var options, ..] && options.StartsWith("rw", StringComparison.Ordinal));

        var plain = await pod.StartSleeperAsync("plain");
        Assert.Contains(" /proc/keys ", await node.ShAsync(plain, "cat /proc/self/mountinfo"), StringComparison.Ordinal);

        var custom = await pod.StartSleeperAsync("custom", c =>
        {
            Security(c).MaskedPaths.Add("/proc/version");
            Security(c).ReadonlyPaths.Add("/proc/sys");
        });
        var customMounts = await node.ShAsync(custom, "cat /proc/self/mountinfo");
        Assert.DoesNotContain(" /proc/keys ", customMounts, StringComparison.Ordinal);
        Assert.Contains(" /proc/version ", customMounts, StringComparison.Ordinal);
        Assert.Equal("", await node.ShAsync(custom, "cat /proc/version"));
    }

    [Fact]
    public async Task Seccomp_profiles_filter_system_calls()
    {
        await using var pod = await node.RunPodAsync("seccomp");

        // With CAP_SYS_ADMIN swapoff reaches the kernel (ENOENT for a missing file) unless a filter refuses it (EPERM).
        void SysAdmin(ContainerConfig c) => Security(c).Capabilities = new Capability { AddCapabilities = { "SYS_ADMIN" } };
        var unconfined = await pod.StartSleeperAsync("unconfined", SysAdmin);
        Assert.Equal("0", Field(await node.ShAsync(unconfined, "cat /proc/self/status"), "Seccomp"));
        Assert.Contains("No such file", (await node.ExecAsync(unconfined, "swapoff", "/nonexistent")).Stderr.ToStringUtf8(), StringComparison.Ordinal);

        var confined = await pod.StartSleeperAsync("runtime-default", c =>
        {
            SysAdmin(c);
            Security(c).Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault };
        });
        Assert.Equal("2", Field(await node.ShAsync(confined, "cat /proc/self/status"), "Seccomp"));
        Assert.Contains("not permitted", (await node.ExecAsync(confined, "swapoff", "/nonexistent")).Stderr.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal(0, (await node.ExecAsync(confined, "mkdir", "/tmp/allowed")).ExitCode);

        var profile = Path.Combine(node.Agent.Dir, "no-mkdir.json");
        await File.WriteAllTextAsync(profile, """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
            """);
        var local = await pod.StartSleeperAsync("localhost", c => Security(c).Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Localhost, LocalhostRef = profile });
        var mkdir = await node.ExecAsync(local, "mkdir", "/tmp/refused");
        Assert.NotEqual(0, mkdir.ExitCode);
        Assert.Contains("not permitted", mkdir.Stderr.ToStringUtf8(), StringComparison.Ordinal);

        var missing = await CriNode.FailsAsync(() => pod.StartSleeperAsync("missing", c => Security(c).Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Localhost, LocalhostRef = "/nonexistent.json" }));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);

        // The deprecated string field older clients send instead.
#pragma warning disable CS0612
        var legacyDefault = await pod.StartSleeperAsync("legacy-default", c => Security(c).SeccompProfilePath = "docker/default");
        var legacyLocal = await pod.StartSleeperAsync("legacy-local", c => Security(c).SeccompProfilePath = "localhost/" + profile);
        var unprefixed = await CriNode.FailsAsync(() => pod.StartSleeperAsync("legacy-bad", c => Security(c).SeccompProfilePath = profile));
#pragma warning restore CS0612
        Assert.Equal("2", Field(await node.ShAsync(legacyDefault, "cat /proc/self/status"), "Seccomp"));
        Assert.NotEqual(0, (await node.ExecAsync(legacyLocal, "mkdir", "/tmp/refused")).ExitCode);
        Assert.Equal(StatusCode.InvalidArgument, unprefixed.StatusCode);
    }

    [Fact]
    public async Task Devices_appear_with_their_numbers_and_permissions()
    {
        await using var pod = await node.RunPodAsync("devices");
        var id = await pod.StartSleeperAsync("app", c =>
        {
            c.Devices.Add(new Device { HostPath = "/dev/null", ContainerPath = "/dev/xnull", Permissions = "rwm" });
            // Not one of the devices runc always allows, so the cgroup rule is what decides.
            c.Devices.Add(new Device { HostPath = "/dev/loop-control", ContainerPath = "/dev/xloop", Permissions = "r" });
        });
        Assert.Equal("1,3", (await node.ShAsync(id, "stat -c %t,%T /dev/xnull")).Trim());
        await node.ShAsync(id, "echo hi > /dev/xnull");
        await node.ShAsync(id, ": < /dev/xloop");
        Assert.NotEqual(0, (await node.ExecAsync(id, "sh", "-c", ": > /dev/xloop")).ExitCode);

        var missing = await CriNode.FailsAsync(() => pod.StartSleeperAsync("missing", c => c.Devices.Add(new Device { HostPath = "/dev/berth-none", ContainerPath = "/dev/none", Permissions = "rw" })));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
    }

    [Fact]
    public async Task Mounts_propagate_as_asked_and_readonly_mounts_refuse_writes()
    {
        // A shared mount on the host, as the kubelet's pod volume directories are.
        var shared = Directory.CreateDirectory(Path.Combine(node.Agent.Dir, "shared")).FullName;
        await Shell.HostAsync("mount", "--bind", shared, shared);
        await Shell.HostAsync("mount", "--make-rshared", shared);
        var mounted = new List<string>();
        try
        {
            await using var pod = await node.RunPodAsync("propagation");
            Mount Bind(string sub, MountPropagation propagation, bool readOnly = false)
            {
                Directory.CreateDirectory(Path.Combine(shared, sub));
                return new Mount { HostPath = Path.Combine(shared, sub), ContainerPath = "/mnt/" + sub, Propagation = propagation, Readonly = readOnly };
            }

            var id = await pod.StartSleeperAsync("app", c =>
            {
                Security(c).Privileged = true; // to mount inside
                c.Mounts.Add(Bind("private", MountPropagation.PropagationPrivate));
                c.Mounts.Add(Bind("slave", MountPropagation.PropagationHostToContainer));
                c.Mounts.Add(Bind("both", MountPropagation.PropagationBidirectional));
                c.Mounts.Add(Bind("readonly", MountPropagation.PropagationPrivate, readOnly: true));
            });

            foreach (var sub in new[] { "private", "slave" })
            {
                var target = Directory.CreateDirectory(Path.Combine(shared, sub, "from-host")).FullName;
                await Shell.HostAsync("mount", "-t", "tmpfs", "tmpfs", target);
                mounted.Add(target);
            }

            var seen = await node.ShAsync(id, "cat /proc/self/mountinfo");
            Assert.Contains(" /mnt/slave/from-host ", seen, StringComparison.Ordinal);
            Assert.DoesNotContain(" /mnt/private/from-host ", seen, StringComparison.Ordinal);

            await node.ShAsync(id, "mkdir -p /mnt/both/from-container && mount -t tmpfs tmpfs /mnt/both/from-container");
            mounted.Add(Path.Combine(shared, "both", "from-container"));
            Assert.Contains(Kernel.MountPoints(), m => m == Path.Combine(shared, "both", "from-container"));

            Assert.NotEqual(0, (await node.ExecAsync(id, "touch", "/mnt/readonly/file")).ExitCode);
            await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });

            // Propagation the host side cannot give is refused, not silently dropped.
            var privateDir = Directory.CreateDirectory(Path.Combine(node.Agent.Dir, "private-mount")).FullName;
            var refused = await CriNode.FailsAsync(() => pod.StartSleeperAsync("refused", c => c.Mounts.Add(new Mount { HostPath = privateDir, ContainerPath = "/mnt/x", Propagation = MountPropagation.PropagationBidirectional })));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }
        finally
        {
            foreach (var target in mounted)
            {
                await Shell.HostAsync("umount", "-l", target);
            }

            await Shell.HostAsync("umount", "-l", shared);
        }
    }
}
