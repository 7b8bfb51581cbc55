using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>An agent started with the kubelet's security flags: --seccomp-default,
/// --seccomp-profile-root with a Localhost profile, --allowed-unsafe-sysctls.</summary>
[Collection("node")]
public class NodeSecurityFlagsTests
{
    private static string Field(string status, string name) =>
        status.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [Fact]
    public async Task Seccomp_default_localhost_profiles_and_allowed_unsafe_sysctls()
    {
        var profiles = Directory.CreateTempSubdirectory("berth-seccomp-").FullName;
        try
        {
            // A runtime-spec profile that allows everything but mkdir.
            Directory.CreateDirectory(Path.Combine(profiles, "team"));
            await File.WriteAllTextAsync(Path.Combine(profiles, "team", "no-mkdir.json"), """
                { "defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 }] }
                """);
            await using var agent = await Agent.StartAsync("secflags", "--seccomp-default", "--seccomp-profile-root", profiles, "--allowed-unsafe-sysctls", "net.core.*");
            await TestNode.ImportBusyboxAsync(agent);

            await using var pod = await agent.PlayAsync("flags", """
                apiVersion: v1
                kind: Pod
                metadata: { name: flags }
                spec:
                  securityContext: { sysctls: [{ name: net.core.somaxconn, value: "777" }] }
                  containers:
                    - { name: plain, image: busybox, command: [sleep, "3600"] }
                    - { name: free, image: busybox, command: [sleep, "3600"], securityContext: { seccompProfile: { type: Unconfined } } }
                    - { name: local, image: busybox, command: [sleep, "3600"], securityContext: { seccompProfile: { type: Localhost, localhostProfile: team/no-mkdir.json } } }
                """);
            async Task<string> Status(string container) => await File.ReadAllTextAsync($"/proc/{await pod.PidAsync(container)}/status");
            Assert.Equal("2", Field(await Status("plain"), "Seccomp")); // --seccomp-default
            Assert.Equal("0", Field(await Status("free"), "Seccomp"));
            Assert.Equal("2", Field(await Status("local"), "Seccomp"));
            var mkdir = await pod.ExecAsync("local", "mkdir", "/tmp/x");
            Assert.NotEqual(0, mkdir.ExitCode);
            Assert.Contains("Operation not permitted", mkdir.Stderr + mkdir.Stdout, StringComparison.Ordinal);
            Assert.Equal(0, (await pod.ExecAsync("plain", "mkdir", "/tmp/x")).ExitCode);
            Assert.Equal("777", (await pod.ShAsync("plain", "cat /proc/sys/net/core/somaxconn")).Trim());
            Assert.NotEqual("777", (await File.ReadAllTextAsync("/proc/sys/net/core/somaxconn")).Trim());

            var missing = await agent.PlayRawAsync("""
                apiVersion: v1
                kind: Pod
                metadata: { name: missing }
                spec:
                  containers: [{ name: app, image: busybox, command: [sleep, "3600"], securityContext: { seccompProfile: { type: Localhost, localhostProfile: team/absent.json } } }]
                """);
            var path = Path.Combine(profiles, "team", "absent.json");
            Assert.True(missing.ExitCode == 1, missing.ToString());
            Assert.Contains("CreateContainerConfigError", missing.Stdout + missing.Stderr, StringComparison.Ordinal);
            Assert.Contains($"cannot load seccomp profile \"{path}\"", missing.Stdout + missing.Stderr, StringComparison.Ordinal);
            var events = await agent.BerthAsync("events", "missing");
            Assert.Contains(path, events.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"Warning\s+Failed", events.Stdout);
            await agent.BerthAsync("down", "missing", "--grace-period", "0");
        }
        finally
        {
            Directory.Delete(profiles, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_config_file_stops_the_agent_with_exit_2_naming_the_field()
    {
        var dir = Directory.CreateTempSubdirectory("berth-config-").FullName;
        try
        {
            var config = Path.Combine(dir, "kubelet.yaml");
            await File.WriteAllTextAsync(config, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nallowedUnsafeSysctls: [\"kernel.*\"]\n");
            var result = await Shell.RunAsync(["--socket", Path.Combine(dir, "berth.sock"), "serve", "--root", Path.Combine(dir, "lib"), "--run-root", Path.Combine(dir, "run"), "--config", config], TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("allowedUnsafeSysctls[0]: Invalid value: the sysctls \"kernel.*\" are not known to be namespaced", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
