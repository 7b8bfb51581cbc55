using System.Globalization;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>hostUsers: false (KEP-127) on the standalone door, checked on the kernel's own state.</summary>
[Collection("node")]
public class UserNamespaceTests(TestNode node)
{
    // 200 blocks of 65536 from 1000 x 65536: a range no other test agent hands out.
    private const uint First = 1000 * 65536;
    private const uint Length = 200 * 65536;

    private static string UsernsPod(string name, string extra = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          hostUsers: false
        {{extra}}
          volumes: [{ name: data, emptyDir: {} }]
          containers:
            - name: c
              image: busybox
              command: ["sleep", "3600"]
              volumeMounts: [{ name: data, mountPath: /data }]
        """;

    [Fact]
    public async Task Each_pod_gets_its_own_block_of_the_range_and_idmapped_files()
    {
        await using var agent = await Agent.StartAsync("userns", "--userns-range", $"{First}:{Length}");
        await TestNode.ImportBusyboxAsync(agent);

        // runc sets up the root file system from inside the user namespace, as the pod's root:
        // the state directories must be searchable by others, as /var/lib and /run are.
        File.SetUnixFileMode(agent.Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        await using var a = await agent.PlayAsync("userns-a", UsernsPod("userns-a"));
        await using var b = await agent.PlayAsync("userns-b", UsernsPod("userns-b"));
        var pidA = await a.PidAsync("c");
        var baseA = BaseOf(pidA);
        var baseB = BaseOf(await b.PidAsync("c"));
        foreach (var hostBase in new[] { baseA, baseB })
        {
            Assert.InRange(hostBase, First, First + Length - 65536);
            Assert.Equal(0u, (hostBase - First) % 65536);
        }

        Assert.NotEqual(baseA, baseB); // blocks of 65536 from aligned starts: different means disjoint

        // Root inside, the block's first ID outside; the infra holds the same namespace.
        Assert.Equal("0\n", await a.ShAsync("c", "id -u"));
        Assert.Equal(Ids(baseA), StatusIds(pidA, "Uid:"));
        Assert.Equal(Ids(baseA), StatusIds(pidA, "Gid:"));
        var inspect = await a.InspectAsync();
        Assert.Equal(Kernel.NsInode((int)inspect["infraPid"]!, "user"), Kernel.NsInode(pidA, "user"));
        Assert.NotEqual(Kernel.SelfNsInode("user"), Kernel.NsInode(pidA, "user"));

        // The image's files (owned by 0 on the host) are root's inside, through the idmapped layers.
        Assert.Equal("0 0\n", await a.ShAsync("c", "stat -c '%u %g' /bin/busybox"));
        Assert.Equal("0\n", await a.ShAsync("c", "stat -c %u /"));

        // Through the idmapped emptyDir, a file root makes is owned by 0 on the host's disk;
        // in the plain overlay upper directory it is stored under the pod's host IDs.
        await a.ShAsync("c", "echo x > /data/made-by-root && echo y > /made-in-rootfs");
        var uid = (string)inspect["uid"]!;
        var onDisk = Path.Combine(agent.Root, "pods", uid, "volumes", "data", "made-by-root");
        Assert.Equal(0L, await OwnerAsync(onDisk));
        var containerId = (string)(await a.ContainerAsync("c"))["id"]!;
        Assert.Equal((long)baseA, await OwnerAsync(Path.Combine(agent.Root, "containers", containerId, "upper", "made-in-rootfs")));
        Assert.Contains(IdmappedMounts(), m => m.Contains(containerId, StringComparison.Ordinal));

        // The block is kept with the pod: an agent restart neither moves it nor hands it out again.
        await agent.StopProcessAsync();
        await agent.StartProcessAsync("--userns-range", $"{First}:{Length}");
        Assert.Equal(baseA, BaseOf(await a.PidAsync("c")));
        await using (var c = await agent.PlayAsync("userns-c", UsernsPod("userns-c")))
        {
            var baseC = BaseOf(await c.PidAsync("c"));
            Assert.DoesNotContain(baseC, new[] { baseA, baseB });
        }

        // Down leaves no idmapped mount and frees the block with the pod's directory.
        Assert.Equal(0, (await agent.BerthAsync("down", "userns-a", "--grace-period", "0")).ExitCode);
        Assert.Equal(0, (await agent.BerthAsync("down", "userns-b", "--grace-period", "0")).ExitCode);
        Assert.DoesNotContain(IdmappedMounts(), m => m.StartsWith(agent.Dir, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(agent.Root, "pods", uid)));
    }

    [Fact]
    public async Task Where_the_state_file_system_cannot_be_idmapped_the_pod_is_refused_never_run_in_the_hosts_namespace()
    {
        // overlayfs cannot be idmapped itself: with the agent's state on one, the probe fails.
        await using var agent = await Agent.StartAsync("userns-noidmap");
        await agent.StopProcessAsync();
        var layers = new[] { "ovl-lower", "ovl-upper", "ovl-work" }.Select(d => Directory.CreateDirectory(Path.Combine(agent.Dir, d)).FullName).ToArray();
        await Shell.HostAsync("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={layers[0]},upperdir={layers[1]},workdir={layers[2]}", agent.Root);
        await agent.StartProcessAsync();
        await TestNode.ImportBusyboxAsync(agent);

        var result = await agent.PlayRawAsync(UsernsPod("userns-unsupported"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("spec.hostUsers: false cannot be honoured on this node", result.Stderr + result.Stdout);
        Assert.DoesNotContain("userns-unsupported", (await agent.BerthAsync("ps", "-a")).Stdout);
        Assert.Empty(Directory.Exists(Path.Combine(agent.RunRoot, "bundles")) ? Directory.GetDirectories(Path.Combine(agent.RunRoot, "bundles")) : []);
    }

    [Theory]
    [InlineData("  hostNetwork: true", "spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false")]
    [InlineData("  hostPID: true", "spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false")]
    [InlineData("  hostIPC: true", "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false")]
    public async Task Host_namespaces_with_hostUsers_false_are_refused_with_nothing_created(string extra, string message)
    {
        var result = await node.Agent.PlayRawAsync(UsernsPod("userns-refused", extra));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.DoesNotContain("userns-refused", (await node.Agent.BerthAsync("ps", "-a")).Stdout);
    }

    /// <summary>procMount: Unmasked (allowed only with hostUsers: false) leaves /proc as the
    /// kernel shows it; the default hides /proc/acpi and friends behind empty mounts and makes
    /// /proc/sys read-only, as runc's masked and read-only paths do.</summary>
    [Fact]
    public async Task Unmasked_proc_mount_drops_the_masked_paths_in_a_user_namespace()
    {
        await using var agent = await Agent.StartAsync("userns-proc", "--userns-range", $"{First}:{Length}");
        await TestNode.ImportBusyboxAsync(agent);
        File.SetUnixFileMode(agent.Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        await using var pod = await agent.PlayAsync("userns-proc", $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: userns-proc }
            spec:
              hostUsers: false
              containers:
                - { name: unmasked, image: busybox, command: ["sleep", "3600"], securityContext: { procMount: Unmasked } }
                - { name: masked, image: busybox, command: ["sleep", "3600"] }
            """);
        static IReadOnlyList<string> ProcMounts(int pid) =>
            [.. File.ReadLines($"/proc/{pid}/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith("/proc/", StringComparison.Ordinal))];

        var masked = ProcMounts(await pod.PidAsync("masked"));
        Assert.Contains("/proc/acpi", masked); // masked (this kernel has no /proc/kcore to hide)
        Assert.Contains("/proc/sys", masked);
        Assert.Empty(ProcMounts(await pod.PidAsync("unmasked")));
    }

    /// <summary>The host ID of container ID 0, after checking uid_map and gid_map are one block "0 BASE 65536".</summary>
    private static uint BaseOf(int pid)
    {
        var uidMap = File.ReadAllText($"/proc/{pid}/uid_map").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var gidMap = File.ReadAllText($"/proc/{pid}/gid_map").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, uidMap.Length);
        Assert.Equal("0", uidMap[0]);
        Assert.Equal("65536", uidMap[2].Trim());
        Assert.Equal(uidMap, gidMap);
        return uint.Parse(uidMap[1], CultureInfo.InvariantCulture);
    }

    private static string Ids(uint id) => string.Join(' ', Enumerable.Repeat(id.ToString(CultureInfo.InvariantCulture), 4));

    private static string StatusIds(int pid, string field) =>
        string.Join(' ', File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..]
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static async Task<long> OwnerAsync(string path) => long.Parse((await Shell.HostAsync("stat", "-c", "%u", path)).Trim(), CultureInfo.InvariantCulture);

    private static IReadOnlyList<string> IdmappedMounts() =>
        [.. File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f[5].Split(',').Contains("idmapped")).Select(f => f[4])];
}
