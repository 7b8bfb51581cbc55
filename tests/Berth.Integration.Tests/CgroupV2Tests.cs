using System.Globalization;
using Berth.Core.Planning;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// Every cgroup decision on a real cgroup v2 node: the QoS and pod tree with its values, OOM
/// kills from memory.events, pids.max, and nested runc with and without a private cgroup
/// namespace (KEP-5714's defaults on both doors are CgroupNamespaceTests and CriNamespaceTests,
/// which run here and in the v2 lane). These run in the scripts/test-v2 guest (this host is a v1 hybrid);
/// on a v1 node they fail at their first assertion, which is why scripts/test keeps them out of
/// the host run.
/// </summary>
[Collection("node")]
[Trait("Cgroup", "v2")]
public class CgroupV2Tests(TestNode node)
{
    private static string Pod(string name, string resources, string specExtra = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
        {{specExtra}}
          containers:
            - name: main
              image: busybox
              command: ["sleep", "3600"]
              resources: {{resources}}
        """;

    private static string File2(string cgroupPath, string file) => CgroupV2.Read(cgroupPath, file);

    [Fact]
    public async Task The_node_is_cgroup_v2_with_the_qos_tree_and_the_kubelet_s_weights()
    {
        Assert.True(CgroupV2.OnV2, "this test needs a cgroup v2 node (run it through scripts/test-v2)");
        await using var pod = await node.Agent.PlayAsync("v2-tree", Pod("v2-tree", "{}"));
        var root = node.Agent.CgroupRoot;
        var kubepods = QosCgroupValues.KubepodsShares(Environment.ProcessorCount * 1000L);
        Assert.Equal(CgroupMath.SharesToWeight(kubepods).ToString(CultureInfo.InvariantCulture), File2($"{root}/kubepods", "cpu.weight"));
        Assert.Equal("1", File2($"{root}/kubepods/besteffort", "cpu.weight")); // 2 shares
        Assert.True(CgroupV2.Exists($"{root}/kubepods/burstable"));
        foreach (var controller in new[] { "cpu", "memory", "pids" })
        {
            Assert.Contains(controller, File2($"{root}/kubepods", "cgroup.subtree_control").Split(' '));
        }
    }

    public static TheoryData<string, string, string> Classes => new()
    {
        { "v2-guaranteed", "{ limits: { cpu: 500m, memory: 64Mi } }", "kubepods/pod" },
        { "v2-burstable", "{ requests: { cpu: 100m, memory: 32Mi }, limits: { cpu: 300m, memory: 96Mi } }", "kubepods/burstable/pod" },
        { "v2-besteffort", "{}", "kubepods/besteffort/pod" },
    };

    /// <summary>cpu.weight of pod and container cgroups comes from one conversion: the pod's from
    /// Berth (the kubelet's formula), the container's from runc, which Debian's 1.1.5 does with the
    /// same linear mapping.</summary>
    [Theory]
    [MemberData(nameof(Classes))]
    public async Task Pod_and_container_cgroups_carry_the_planned_values(string name, string resources, string qosPath)
    {
        await using var pod = await node.Agent.PlayAsync(name, Pod(name, resources));
        var doc = await pod.InspectAsync();
        var podPath = (string)doc["cgroupParent"]!;
        Assert.Equal($"{node.Agent.CgroupRoot}/{qosPath}{(string)doc["uid"]!}", podPath);
        Assert.Equal(CgroupMath.SharesToWeight((long)doc["cpuShares"]!).ToString(CultureInfo.InvariantCulture), File2(podPath, "cpu.weight"));
        Assert.Equal($"{((long?)doc["cpuQuota"])?.ToString(CultureInfo.InvariantCulture) ?? "max"} 100000", File2(podPath, "cpu.max"));
        Assert.Equal(((long?)doc["memoryLimit"])?.ToString(CultureInfo.InvariantCulture) ?? "max", File2(podPath, "memory.max"));

        var c = doc["containers"]!.AsArray().Single()!;
        var path = (string)c["cgroupPath"]!;
        Assert.StartsWith(podPath + "/", path);
        Assert.Equal(CgroupMath.SharesToWeight((long)c["cpuShares"]!).ToString(CultureInfo.InvariantCulture), File2(path, "cpu.weight"));
        Assert.Equal($"{((long?)c["cpuQuota"])?.ToString(CultureInfo.InvariantCulture) ?? "max"} 100000", File2(path, "cpu.max"));
        Assert.Equal(((long?)c["memoryLimit"])?.ToString(CultureInfo.InvariantCulture) ?? "max", File2(path, "memory.max"));
        Assert.Equal($"0::{path}", File.ReadAllLines($"/proc/{(int)c["pid"]!}/cgroup").Single());
    }

    /// <summary>KEP-2570 with the shared node's MemoryQoS gate and TieredReservation: requests
    /// protected (memory.min for Guaranteed, memory.low for Burstable) on container, pod and QoS
    /// cgroups, and Burstable containers throttled at memory.high between request and limit.</summary>
    [Fact]
    public async Task Memory_qos_protects_requests_and_throttles_burstable_containers_below_their_limit()
    {
        Assert.True(CgroupV2.OnV2, "this test needs a cgroup v2 node (run it through scripts/test-v2)");
        await using var burstable = await node.Agent.PlayAsync("v2-mqos-b", Pod("v2-mqos-b", "{ requests: { memory: 32Mi }, limits: { memory: 96Mi } }"));
        await using var guaranteed = await node.Agent.PlayAsync("v2-mqos-g", Pod("v2-mqos-g", "{ limits: { cpu: 100m, memory: 64Mi } }"));
        const long Mi = 1 << 20;
        var page = Environment.SystemPageSize;
        var b = await burstable.InspectAsync();
        var g = await guaranteed.InspectAsync();
        var bContainer = (string)b["containers"]![0]!["cgroupPath"]!;
        var gContainer = (string)g["containers"]![0]!["cgroupPath"]!;

        Assert.Equal((32 * Mi).ToString(CultureInfo.InvariantCulture), File2(bContainer, "memory.low"));
        Assert.Equal(((32 * Mi + (long)(0.9 * 64 * Mi)) / page * page).ToString(CultureInfo.InvariantCulture), File2(bContainer, "memory.high"));
        Assert.Equal("0", File2(bContainer, "memory.min"));
        Assert.Equal((32 * Mi).ToString(CultureInfo.InvariantCulture), File2((string)b["cgroupParent"]!, "memory.low"));
        Assert.Equal((64 * Mi).ToString(CultureInfo.InvariantCulture), File2(gContainer, "memory.min"));
        Assert.Equal("max", File2(gContainer, "memory.high"));
        Assert.Equal((64 * Mi).ToString(CultureInfo.InvariantCulture), File2((string)g["cgroupParent"]!, "memory.min"));

        var root = node.Agent.CgroupRoot;
        Assert.True(long.Parse(File2($"{root}/kubepods", "memory.min"), CultureInfo.InvariantCulture) >= 96 * Mi);
        Assert.True(long.Parse(File2($"{root}/kubepods/burstable", "memory.low"), CultureInfo.InvariantCulture) >= 32 * Mi);
    }

    /// <summary>KEP-2837: spec.resources sets the pod cgroup and the QoS class; a container with
    /// no limit of its own gets the pod's limit in its cgroup.</summary>
    [Fact]
    public async Task Pod_level_resources_set_the_pod_cgroup_and_bound_bare_containers()
    {
        Assert.True(CgroupV2.OnV2, "this test needs a cgroup v2 node (run it through scripts/test-v2)");
        await using var pod = await node.Agent.PlayAsync("v2-pod-level", Pod("v2-pod-level", "{}", "  resources: { requests: { cpu: 200m, memory: 64Mi }, limits: { cpu: 500m, memory: 128Mi } }"));
        var doc = await pod.InspectAsync();
        var podPath = (string)doc["cgroupParent"]!;
        var container = (string)doc["containers"]![0]!["cgroupPath"]!;

        Assert.Equal($"{node.Agent.CgroupRoot}/kubepods/burstable/pod{(string)doc["uid"]!}", podPath);
        Assert.Equal(CgroupMath.SharesToWeight(CgroupMath.MilliCpuToShares(200)).ToString(CultureInfo.InvariantCulture), File2(podPath, "cpu.weight"));
        Assert.Equal("50000 100000", File2(podPath, "cpu.max"));
        Assert.Equal((128L << 20).ToString(CultureInfo.InvariantCulture), File2(podPath, "memory.max"));
        Assert.Equal("50000 100000", File2(container, "cpu.max"));
        Assert.Equal((128L << 20).ToString(CultureInfo.InvariantCulture), File2(container, "memory.max"));
    }

    [Fact]
    public async Task Pids_max_stops_a_fork_loop_at_the_pod_limit()
    {
        var agent = await Agent.StartAsync("v2-pids", [.. TestNode.FastLifecycle, "--pod-pids-limit", "24"]);
        await using var _ = agent;
        await TestNode.ImportBusyboxAsync(agent);
        await using var pod = await agent.PlayAsync("v2-forks", Pod("v2-forks", "{}"));
        var doc = await pod.InspectAsync();
        Assert.Equal("24", File2((string)doc["cgroupParent"]!, "pids.max"));
        // The loop's forks fail once the pod holds 24 tasks ("can't fork"); the shell goes on.
        await pod.ExecAsync("main", "sh", "-c", "for i in $(seq 1 40); do sleep 2 & done; wait");
        // 6.1 counts the failed fork in the forking task's cgroup (the container's), newer kernels
        // in the limiting one (the pod's): either shows it.
        var container = (string)doc["containers"]!.AsArray().Single()!["cgroupPath"]!;
        var events = File2((string)doc["cgroupParent"]!, "pids.events") + "\n" + File2(container, "pids.events");
        Assert.Matches(@"max [1-9]", events);
    }

    [Fact]
    public async Task Oom_kill_is_read_from_memory_events()
    {
        var played = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: v2-oom }
            spec:
              restartPolicy: Never
              containers:
                - name: hog
                  image: busybox
                  command: ["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"]
                  resources: { limits: { memory: 32Mi } }
            """);
        await using var pod = new Pod(node.Agent, "v2-oom");
        Assert.True(played.ExitCode == 0 || played.Stderr.Contains("is Failed", StringComparison.Ordinal), played.ToString());
        var hog = await Eventually.UntilAsync(() => pod.ContainerAsync("hog"), c => (string?)c["reason"] == "OOMKilled", TimeSpan.FromSeconds(30), "OOMKilled");
        Assert.Equal(137, (int?)hog["exitCode"]);
    }

    private const string NestedRunc = """
        set -e
        mkdir -p /nested/rootfs/proc /nested/rootfs/sys /nested/rootfs/dev
        cp -a /bin /sbin /usr /lib /lib64 /etc /nested/rootfs/
        cd /nested
        runc spec
        sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"sleep", "300"/' config.json
        """;

    /// <summary>
    /// BuildKit's case: a privileged pod with its own cgroup namespace moves its processes to a
    /// leaf (cgroup v2 has no internal processes), delegates its controllers and runs runc. The
    /// nested container's cgroup lands beneath the pod, a fresh cgroup2 mount inside shows only
    /// the container's subtree, and `down` removes everything the pod made below itself.
    /// </summary>
    [Fact]
    public async Task Nested_runc_with_a_private_cgroup_namespace_stays_beneath_the_pod_and_is_torn_down()
    {
        var pod = await node.Agent.PlayAsync("v2-nested", BuilderPod("v2-nested", hostCgroupNamespace: false));
        var outer = await pod.ContainerAsync("builder");
        Assert.Equal("POD", (string?)outer["namespaces"]!["cgroup"]);
        var outerPath = (string)outer["cgroupPath"]!;
        var podPath = (string)(await pod.InspectAsync())["cgroupParent"]!;

        Assert.Contains("n1", await pod.ShAsync("builder", NestedRunc + "\n" + """
            mkdir /sys/fs/cgroup/init
            for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo $p > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true; done
            for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || true; done
            runc run -d n1 > /dev/null 2>&1 < /dev/null
            runc list
            """));
        var nestedProcs = File2($"{outerPath}/n1", "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var nestedPid = int.Parse(Assert.Single(nestedProcs), CultureInfo.InvariantCulture);
        Assert.Equal($"0::{outerPath}/n1", File.ReadAllLines($"/proc/{nestedPid}/cgroup").Single());

        // A fresh cgroup2 mount inside shows the container's own subtree and nothing of the node.
        var view = await pod.ShAsync("builder", "mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg && ls /tmp/cg && umount /tmp/cg");
        Assert.Contains("n1", view);
        Assert.Contains("init", view);
        Assert.DoesNotContain("kubepods", view);
        Assert.DoesNotContain(node.Agent.CgroupRoot.TrimStart('/'), view);

        var down = await node.Agent.BerthAsync("down", "v2-nested", "--grace-period", "0");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.False(CgroupV2.Exists(podPath), $"{podPath} is left after down");
        Assert.False(Kernel.IsAlive(nestedPid), "the nested container outlived its pod");
    }

    /// <summary>With the host's cgroup namespace the nested runc sees the node's whole tree and
    /// its cgroup escapes the pod: the accounting problem KEP-5714 exists for.</summary>
    [Fact]
    public async Task Nested_runc_in_the_host_cgroup_namespace_escapes_the_pod()
    {
        await using var pod = await node.Agent.PlayAsync("v2-escape", BuilderPod("v2-escape", hostCgroupNamespace: true));
        var outer = await pod.ContainerAsync("builder");
        Assert.Equal("NODE", (string?)outer["namespaces"]!["cgroup"]);
        var escaped = "/berth-it-escape-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await pod.ShAsync("builder", NestedRunc + "\n" + $$"""
                sed -i 's|"linux": {|"linux": { "cgroupsPath": "{{escaped}}",|' config.json
                runc run -d n1 > /dev/null 2>&1 < /dev/null
                runc list
                """);
            var nestedPid = int.Parse(File2(escaped, "cgroup.procs").Split('\n')[0], CultureInfo.InvariantCulture);
            var cgroup = File.ReadAllLines($"/proc/{nestedPid}/cgroup").Single();
            Assert.Equal($"0::{escaped}", cgroup);
            Assert.DoesNotContain((string)outer["cgroupPath"]!, cgroup);
            await pod.ShAsync("builder", "cd /nested && runc kill n1 KILL; sleep 1; runc delete -f n1");
        }
        finally
        {
            if (CgroupV2.Exists(escaped))
            {
                Directory.Delete(CgroupV2.Dir(escaped));
            }
        }
    }

    /// <summary>An exec'd process lands in the container's own root, /proc and mounts (a guest that
    /// chroots instead of pivoting would put it in the initramfs).</summary>
    [Fact]
    public async Task Exec_sees_the_container_s_root_proc_and_mounts()
    {
        await using var pod = await node.Agent.PlayAsync("v2-exec", Pod("v2-exec", "{}"));
        var seen = await pod.ShAsync("main", "ls /; echo ---; ls /proc | grep -c '^[0-9]'; echo ---; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo ---; touch /tmp/go && echo touched; echo ---; head -1 /proc/self/mountinfo");
        var parts = seen.Split("---\n");
        Assert.Contains("bin", parts[0]);
        Assert.DoesNotContain("init\n", parts[0]);
        Assert.InRange(int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture), 1, 8); // the guest has dozens
        Assert.Equal("sleep 3600", parts[2].Trim());
        Assert.Contains("touched", parts[3]);
        Assert.Contains(" / / ", parts[4]);
        Assert.Contains("overlay", parts[4]);
    }

    private static string BuilderPod(string name, bool hostCgroupNamespace) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          hostCgroupNamespace: {{hostCgroupNamespace.ToString().ToLowerInvariant()}}
          containers:
            - name: builder
              image: busybox
              command: ["sleep", "3600"]
              securityContext: { privileged: true }
        """;
}

/// <summary>The unified hierarchy as the tests read it.</summary>
public static class CgroupV2
{
    public static bool OnV2 => File.Exists(Path.Combine(Kernel.CgroupMount, "cgroup.controllers"));

    public static string Dir(string cgroupPath) => Path.Combine(Kernel.CgroupMount, cgroupPath.TrimStart('/'));

    public static bool Exists(string cgroupPath) => Directory.Exists(Dir(cgroupPath));

    public static string Read(string cgroupPath, string file) => File.ReadAllText(Path.Combine(Dir(cgroupPath), file)).Trim();
}
