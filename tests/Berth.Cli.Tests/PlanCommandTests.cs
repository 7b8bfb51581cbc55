using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Berth.Cli.Tests;

public class PlanCommandTests
{
    private const string Uid = "5a3f0c1e-0b1d-4e39-9c55-1f2e7c9a0d01";

    private const string SharedPidPod = $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: web, namespace: shop, uid: {{Uid}} }
        spec:
          shareProcessNamespace: true
          initContainers:
            - name: setup
              image: busybox
              securityContext: { privileged: true }
          containers:
            - name: app
              image: busybox
              resources:
                requests: { cpu: 250m, memory: 1Gi }
                limits: { cpu: 500m, memory: 2Gi }
            - name: log
              image: busybox
        """;

    private static readonly string[] PodKeys =
        ["name", "namespace", "uid", "qosClass", "cgroupParent", "cpuShares", "cpuWeight", "cpuQuota", "cpuPeriod", "memoryLimit", "pidsLimit", "namespaces", "containers", "memory"];

    private static readonly string[] ContainerKeys =
        ["name", "init", "privileged", "cpuShares", "cpuQuota", "cpuPeriod", "memoryLimit", "oomScoreAdj", "namespaces", "memory"];

    private static readonly string[] NamespaceKeys = ["network", "ipc", "uts", "pid", "cgroup"];

    [Fact]
    public async Task Json_output_is_the_documented_contract()
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json", "--cgroup-version", "2", "--node-memory", "8Gi", "--pod-pids-limit", "64");
        Assert.Equal(0, result.ExitCode);
        var pod = JsonNode.Parse(result.Stdout)!["pods"]!.AsArray().Single()!.AsObject();
        Assert.Equal(PodKeys, pod.Select(kv => kv.Key));
        Assert.Equal(NamespaceKeys, pod["namespaces"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal("Burstable", (string?)pod["qosClass"]);
        Assert.Equal($"/kubepods/burstable/pod{Uid}", (string?)pod["cgroupParent"]);
        Assert.Equal(256, (long?)pod["cpuShares"]);
        Assert.Null(pod["cpuQuota"]); // "log" has no cpu limit
        Assert.Null(pod["memoryLimit"]);
        Assert.Equal(64, (long?)pod["pidsLimit"]);
        Assert.Equal("POD", (string?)pod["namespaces"]!["pid"]);
        Assert.Equal("NODE", (string?)pod["namespaces"]!["cgroup"]); // v2, privileged init container

        var containers = pod["containers"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.All(containers, c => Assert.Equal(ContainerKeys, c.Select(kv => kv.Key)));
        Assert.Equal(["setup", "app", "log"], containers.Select(c => (string?)c["name"]));
        Assert.True((bool?)containers[0]["init"]);
        Assert.True((bool?)containers[0]["privileged"]);
        Assert.Equal(875, (int?)containers[1]["oomScoreAdj"]); // 1000 - 1000*1Gi/8Gi
        Assert.Equal(50000, (long?)containers[1]["cpuQuota"]);
        Assert.Equal(2L << 30, (long?)containers[1]["memoryLimit"]);
        Assert.Null(containers[2]["cpuQuota"]);
        Assert.Equal(999, (int?)containers[2]["oomScoreAdj"]);
    }

    [Fact]
    public async Task Yaml_output_carries_the_same_document()
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var json = await BerthProcess.RunAsync("plan", file.Path, "-o", "json", "--cgroup-version", "1", "--node-memory", "8Gi");
        var yaml = await BerthProcess.RunAsync("plan", file.Path, "-o", "yaml", "--cgroup-version", "1", "--node-memory", "8Gi");
        Assert.Equal(0, yaml.ExitCode);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml.Stdout));
        var pod = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["pods"])[0];
        var expected = JsonNode.Parse(json.Stdout)!["pods"]![0]!;
        Assert.Equal((string?)expected["cgroupParent"], ((YamlScalarNode)pod["cgroupParent"]).Value);
        Assert.Equal("null", ((YamlScalarNode)pod["cpuQuota"]).Value);
        Assert.Equal("NODE", ((YamlScalarNode)((YamlMappingNode)pod["namespaces"])["cgroup"]).Value);
    }

    [Fact]
    public async Task Table_output_shows_pod_and_container_values()
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync("plan", file.Path, "--cgroup-version", "1", "--node-memory", "8Gi");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("POD shop/web", result.Stdout);
        Assert.Contains("QoS Burstable", result.Stdout);
        Assert.Contains($"/kubepods/burstable/pod{Uid}", result.Stdout);
        Assert.Contains("pid=POD cgroup=NODE", result.Stdout);
        Assert.Matches(@"app\s+no\s+no\s+256\s+50000\s+100000\s+2147483648\s+875", result.Stdout);
    }

    [Theory]
    [InlineData("1.1.5", 10)] // Debian 12's runc: the kubelet's linear formula
    [InlineData("1.3.2", 35)] // opencontainers/cgroups' quadratic one, as the agent would write with it
    public async Task Cpu_weight_is_planned_in_the_formula_of_the_runc(string runcVersion, long weight)
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json", "--cgroup-version", "2", "--runc-version", runcVersion);
        Assert.Equal(0, result.ExitCode);
        var pod = JsonNode.Parse(result.Stdout)!["pods"]![0]!;
        Assert.Equal(256, (long?)pod["cpuShares"]);
        Assert.Equal(weight, (long?)pod["cpuWeight"]);
    }

    [Fact]
    public async Task Systemd_driver_names_slices()
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json", "--cgroup-driver", "systemd");
        var parent = (string?)JsonNode.Parse(result.Stdout)!["pods"]![0]!["cgroupParent"];
        Assert.Equal($"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{Uid.Replace('-', '_')}.slice", parent);
    }

    [Fact]
    public async Task Defaults_come_from_this_host()
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json");
        var pod = JsonNode.Parse(result.Stdout)!["pods"]![0]!;

        // Unset hostCgroupNamespace with a privileged container is NODE on both versions, so read
        // the host: a unified hierarchy has cgroup.controllers at its top.
        var hostIsV2 = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        using var nonPrivileged = BerthProcess.Manifest(SharedPidPod.Replace("securityContext: { privileged: true }", "securityContext: {}"));
        var plain = JsonNode.Parse((await BerthProcess.RunAsync("plan", nonPrivileged.Path, "-o", "json")).Stdout)!["pods"]![0]!;
        Assert.Equal(hostIsV2 ? "POD" : "NODE", (string?)plain["namespaces"]!["cgroup"]);

        // Node memory: /proc/meminfo's MemTotal decides the Burstable score of a 1Gi request.
        var memTotal = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        Assert.Equal(Math.Clamp(1000 - (int)(1000m * (1L << 30) / memTotal), 3, 999), (int?)pod["containers"]![1]!["oomScoreAdj"]);
    }

    [Fact]
    public async Task Bad_manifest_reports_every_error_with_paths_and_exit_code_2()
    {
        using var file = BerthProcess.Manifest("""
            apiVersion: v1
            kind: Pod
            metadata: { name: Bad_Name }
            spec:
              restartPolicy: Sometimes
              containers:
                - name: app
                  image: busybox
                  resources: { limits: { memory: 5Gb } }
                - name: app
            """);
        var result = await BerthProcess.RunAsync("plan", file.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.All(lines, l => Assert.StartsWith($"error: {file.Path}: ", l));
        Assert.Contains(lines, l => l.Contains("spec.containers[0].resources.limits.memory: Invalid value: \"5Gb\""));
        Assert.Contains(lines, l => l.Contains("metadata.name: Invalid value"));
        Assert.Contains(lines, l => l.Contains("spec.restartPolicy: Unsupported value"));
        Assert.Contains(lines, l => l.Contains("spec.containers[1].name: Duplicate value"));
        Assert.Contains(lines, l => l.Contains("spec.containers[1].image: Required value"));
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("plan", "x.yaml", "--cgroup-version", "3")]
    [InlineData("plan", "x.yaml", "-o", "xml")]
    [InlineData("plan", "x.yaml", "--pod-pids-limit", "many")]
    [InlineData("plan", "x.yaml", "--node-memory", "lots")]
    [InlineData("plan", "x.yaml", "--runc-version", "new")]
    [InlineData("plan", "/nonexistent/pod.yaml")]
    [InlineData("no-such-command")]
    public async Task Bad_arguments_exit_2_without_a_stack_trace(params string[] args)
    {
        using var file = BerthProcess.Manifest(SharedPidPod);
        var result = await BerthProcess.RunAsync([.. args.Select(a => a == "x.yaml" ? file.Path : a)]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task Unsupported_kinds_are_warned_about_and_skipped()
    {
        using var file = BerthProcess.Manifest(SharedPidPod + "\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\n");
        var result = await BerthProcess.RunAsync("plan", file.Path, "-o", "json");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("unsupported kind \"Deployment\"", result.Stderr);
        Assert.Single(JsonNode.Parse(result.Stdout)!["pods"]!.AsArray());
    }

    [Fact]
    public async Task Examples_plan_cleanly()
    {
        var examples = Directory.GetFiles(Path.Combine(RepoRoot(), "examples"), "*.yaml");
        Assert.NotEmpty(examples);
        var result = await BerthProcess.RunAsync(["plan", .. examples, "-o", "json"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(examples.Length, JsonNode.Parse(result.Stdout)!["pods"]!.AsArray().Count);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Berth.slnx not found above the test directory");
    }
}
