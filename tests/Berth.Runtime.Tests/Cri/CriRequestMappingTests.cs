using Berth.Core.Planning;
using Berth.Cri.Runtime;
using Berth.Runtime.Model;
using Berth.Runtime.Tests.Fakes;
using Grpc.Core;
using V1 = Berth.Cri.V1;

namespace Berth.Runtime.Tests.Cri;

/// <summary>What the kubelet asks for, as the runtime's configs: CRI's zero values, modes and bounds.</summary>
public sealed class CriRequestMappingTests
{
    [Fact]
    public void A_sandbox_without_a_cgroup_parent_gets_one_of_its_own_under_the_agents_root()
    {
        var config = SandboxRequests.From(Sandbox(), "/berth-root");

        Assert.Equal("/berth-root/berth-cri/poduid-1", config.CgroupParent);
        Assert.True(config.OwnsCgroupParent);
    }

    [Fact]
    public void A_kubelet_cgroup_parent_is_used_and_left_to_the_kubelet()
    {
        var request = Sandbox();
        request.Config.Linux = new V1.LinuxPodSandboxConfig { CgroupParent = "/kubepods/burstable/poduid-1" };

        var config = SandboxRequests.From(request, "/");

        Assert.Equal("/kubepods/burstable/poduid-1", config.CgroupParent);
        Assert.False(config.OwnsCgroupParent);
    }

    [Theory]
    [InlineData(V1.NamespaceMode.Pod, NamespaceMode.Pod)]
    [InlineData(V1.NamespaceMode.Node, NamespaceMode.Node)]
    public void Network_and_ipc_modes_map_one_to_one(V1.NamespaceMode requested, NamespaceMode expected)
    {
        var request = Sandbox();
        request.Config.Linux = new V1.LinuxPodSandboxConfig { SecurityContext = new V1.LinuxSandboxSecurityContext { NamespaceOptions = new V1.NamespaceOption { Network = requested, Ipc = requested } } };

        var config = SandboxRequests.From(request, "/");

        Assert.Equal((expected, expected), (config.Network, config.Ipc));
    }

    [Fact]
    public void Every_problem_of_a_sandbox_request_is_named_at_once()
    {
        var request = Sandbox();
        request.Config.Metadata.Name = "";
        request.Config.Hostname = new string('h', 65);
        request.Config.LogDirectory = "relative/logs";

        var e = Assert.Throws<RpcException>(() => SandboxRequests.From(request, "/"));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("config.metadata.name is required", e.Status.Detail);
        Assert.Contains("config.hostname", e.Status.Detail);
        Assert.Contains("config.log_directory", e.Status.Detail);
    }

    [Fact]
    public void An_unknown_runtime_handler_is_refused()
    {
        var request = Sandbox();
        request.RuntimeHandler = "kata";

        Assert.Contains("runtime_handler \"kata\"", Assert.Throws<RpcException>(() => SandboxRequests.From(request, "/")).Status.Detail);
    }

    [Fact]
    public void Zero_resources_mean_unset_and_set_ones_are_kept()
    {
        var problems = new List<string>();
        var limits = Resources.From(new V1.LinuxContainerResources { CpuShares = 512, CpuQuota = 50000, CpuPeriod = 100000, MemoryLimitInBytes = 0, OomScoreAdj = 1000, CpusetCpus = "0-1" }, "r", problems);

        Assert.Empty(problems);
        Assert.Equal((512L, 50000L, 100000L, (long?)null, 1000, "0-1"), (limits.CpuShares!.Value, limits.CpuQuota!.Value, limits.CpuPeriod!.Value, limits.MemoryLimit, limits.OomScoreAdj, limits.CpusetCpus));
    }

    [Fact]
    public void The_kubelet_s_unified_memory_qos_files_reach_the_runtime_spec_and_come_back()
    {
        var request = new V1.LinuxContainerResources { MemoryLimitInBytes = 1 << 30, Unified = { ["memory.high"] = "966367641", ["memory.low"] = "536870912" } };

        var limits = Resources.From(request, "r", []);
        var spec = Berth.Runtime.Specs.ContainerSpec.Resources(limits);

        Assert.Equal("966367641", spec.Unified!["memory.high"]);
        Assert.Equal("536870912", spec.Unified["memory.low"]);
        Assert.Equal(request.Unified, Resources.ToCri(limits).Unified);
        Assert.Null(Berth.Runtime.Specs.ContainerSpec.Resources(Resources.From(new V1.LinuxContainerResources(), "r", [])).Unified);
    }

    [Fact]
    public void Standalone_memory_qos_becomes_the_container_s_unified_files()
    {
        var files = Berth.Runtime.Pods.ContainerConfigs.MemoryQosFiles(new MemoryProtection(Low: 100, High: 4096));

        Assert.Equal(new Dictionary<string, string> { ["memory.low"] = "100", ["memory.high"] = "4096" }, files);
        Assert.Null(Berth.Runtime.Pods.ContainerConfigs.MemoryQosFiles(MemoryProtection.Off));
    }

    [Theory]
    [InlineData(1L, 2L)] // below the kernel's minimum of 2 shares
    [InlineData(0L, null)]
    public void Cpu_shares_are_raised_to_the_kernels_minimum(long requested, long? expected) =>
        Assert.Equal(expected, Resources.From(new V1.LinuxContainerResources { CpuShares = requested }, "r", []).CpuShares);

    [Theory]
    [InlineData(500L, 0L, 0L, "cpu_quota")]
    [InlineData(0L, 10L, 0L, "cpu_period")]
    [InlineData(0L, 0L, -1L, "memory_limit_in_bytes")]
    public void Resources_out_of_the_kernels_bounds_are_problems(long quota, long period, long memory, string field)
    {
        var problems = new List<string>();
        Resources.From(new V1.LinuxContainerResources { CpuQuota = quota, CpuPeriod = period, MemoryLimitInBytes = memory }, "r", problems);
        Assert.Contains(problems, p => p.StartsWith($"r.{field}", StringComparison.Ordinal));
    }

    [Fact]
    public void Limits_read_back_as_the_kubelet_sent_them()
    {
        var sent = new V1.LinuxContainerResources { CpuShares = 256, CpuQuota = 20000, CpuPeriod = 100000, MemoryLimitInBytes = 1 << 30, OomScoreAdj = 500, CpusetMems = "0" };
        Assert.Equal(sent, Resources.ToCri(Resources.From(sent, "r", [])));
    }

    [Theory]
    [InlineData(null, NamespaceMode.Pod)]
    [InlineData(V1.NamespaceMode.Container, NamespaceMode.Container)]
    [InlineData(V1.NamespaceMode.Node, NamespaceMode.Node)]
    public void A_containers_pid_mode_is_pod_when_absent(V1.NamespaceMode? requested, NamespaceMode expected)
    {
        var config = Container();
        if (requested is { } mode)
        {
            config.Linux = new V1.LinuxContainerConfig { SecurityContext = new V1.LinuxContainerSecurityContext { NamespaceOptions = new V1.NamespaceOption { Pid = mode } } };
        }

        Assert.Equal(expected, ContainerRequests.From(config, SandboxRecord(), 2).Pid);
    }

    [Fact]
    public void Pid_target_without_a_target_is_a_problem()
    {
        var config = Container();
        config.Linux = new V1.LinuxContainerConfig { SecurityContext = new V1.LinuxContainerSecurityContext { NamespaceOptions = new V1.NamespaceOption { Pid = V1.NamespaceMode.Target } } };

        Assert.Contains("target_id", Assert.Throws<RpcException>(() => ContainerRequests.From(config, SandboxRecord(), 2)).Status.Detail);
    }

    [Theory]
    [InlineData("/abs.log", "config.log_path")]
    [InlineData("../up.log", "config.log_path")]
    public void A_log_path_must_stay_in_the_sandboxs_log_directory(string logPath, string field)
    {
        var config = Container();
        config.LogPath = logPath;

        Assert.Contains(field, Assert.Throws<RpcException>(() => ContainerRequests.From(config, SandboxRecord(), 2)).Status.Detail);
    }

    [Fact]
    public void A_container_request_keeps_command_env_and_mounts()
    {
        var config = Container();
        config.Command.Add("/bin/sh");
        config.Args.Add("-c");
        config.Envs.Add(new V1.KeyValue { Key = "A", Value = Google.Protobuf.ByteString.CopyFromUtf8("1") });
        config.Mounts.Add(new V1.Mount { HostPath = "/srv/data", ContainerPath = "/data", Readonly = true, Propagation = V1.MountPropagation.PropagationHostToContainer });

        var mapped = ContainerRequests.From(config, SandboxRecord(), 2);

        Assert.Equal(["/bin/sh"], mapped.Command);
        Assert.Equal(["-c"], mapped.Args);
        Assert.Equal([KeyValuePair.Create("A", "1")], mapped.Env);
        var mount = Assert.Single(mapped.Mounts);
        Assert.Equal(("/srv/data", "/data", true, MountPropagation.HostToContainer), (mount.HostPath, mount.ContainerPath, mount.ReadOnly, mount.Propagation));
    }

    private static V1.RunPodSandboxRequest Sandbox() => new()
    {
        Config = new V1.PodSandboxConfig { Metadata = new V1.PodSandboxMetadata { Name = "web", Uid = "uid-1", Namespace = "default" } },
    };

    private static V1.ContainerConfig Container() => new()
    {
        Metadata = new V1.ContainerMetadata { Name = "app" },
        Image = new V1.ImageSpec { Image = FakeNode.Busybox },
    };

    private static SandboxRecord SandboxRecord() => new() { Id = "s1", Config = FakeNode.Sandbox(), State = SandboxState.Ready, InfraPid = 1 };
}
