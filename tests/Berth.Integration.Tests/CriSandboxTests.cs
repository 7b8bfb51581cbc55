using System.Text.Json.Nodes;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriSandboxTests(CriNode node)
{
    [Fact]
    public async Task Version_names_the_runtime()
    {
        var version = await node.Runtime.VersionAsync(new VersionRequest { Version = "0.1.0" });
        Assert.Equal("berth", version.RuntimeName);
        Assert.Equal("v1", version.RuntimeApiVersion);
        Assert.False(string.IsNullOrEmpty(version.RuntimeVersion));
    }

    [Fact]
    public async Task Sandbox_runs_in_its_cgroup_parent_and_keeps_its_attributes()
    {
        await using var pod = await node.RunPodAsync("attrs", c =>
        {
            c.Metadata.Attempt = 3;
            c.Labels["app"] = "web";
            c.Annotations["note"] = "kept";
        });
        var status = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Status;
        Assert.Equal(PodSandboxState.SandboxReady, status.State);
        Assert.Equal("attrs", status.Metadata.Name);
        Assert.Equal(3u, status.Metadata.Attempt);
        Assert.Equal(pod.Config.Metadata.Uid, status.Metadata.Uid);
        Assert.Equal("web", status.Labels["app"]);
        Assert.Equal("kept", status.Annotations["note"]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        Assert.InRange(status.CreatedAt, now - 60_000_000_000, now + 1_000_000_000);

        // The sandbox's cgroup sits below the requested parent on every hierarchy.
        var parent = pod.Config.Linux.CgroupParent;
        Assert.True(Directory.Exists(Kernel.CgroupDir("memory", $"{parent}/{pod.Id}")), $"no memory cgroup {parent}/{pod.Id}");
        Assert.True(Directory.Exists(Kernel.CgroupDir("cpu", $"{parent}/{pod.Id}")));
    }

    [Fact]
    public async Task Status_and_runtime_config_describe_the_node()
    {
        var status = await node.Runtime.StatusAsync(new StatusRequest { Verbose = true });
        Assert.Contains(status.Status.Conditions, c => c.Type == "RuntimeReady" && c.Status);
        var network = Assert.Single(status.Status.Conditions, c => c.Type == "NetworkReady");
        Assert.False(network.Status);
        Assert.Equal("NetworkPluginNotReady", network.Reason);
        Assert.All(status.RuntimeHandlers, h => Assert.True(h.Features.CgroupNamespaces)); // KEP-5714, provisional
        Assert.Contains(status.RuntimeHandlers, h => h.Name == "");
        Assert.Contains("cgroupfs", status.Info["config"], StringComparison.Ordinal);

        var config = await node.Runtime.RuntimeConfigAsync(new RuntimeConfigRequest());
        Assert.Equal(CgroupDriver.Cgroupfs, config.Linux.CgroupDriver);
        await node.Runtime.UpdateRuntimeConfigAsync(new UpdateRuntimeConfigRequest { RuntimeConfig = new RuntimeConfig { NetworkConfig = new NetworkConfig { PodCidr = "10.88.0.0/16" } } });
    }

    [Fact]
    public async Task ListPodSandbox_filters_by_id_state_and_labels()
    {
        await using var web = await node.RunPodAsync("list-web", c => c.Labels["app"] = "web");
        await using var db = await node.RunPodAsync("list-db", c => c.Labels["app"] = "db");
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = db.Id });

        async Task<IReadOnlyList<string>> ListAsync(PodSandboxFilter filter) =>
            [.. (await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter })).Items.Select(p => p.Id).Where(id => id == web.Id || id == db.Id)];

        Assert.Equal([web.Id, db.Id], await ListAsync(new PodSandboxFilter()));
        Assert.Equal([web.Id], await ListAsync(new PodSandboxFilter { LabelSelector = { ["app"] = "web" } }));
        Assert.Equal([db.Id], await ListAsync(new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxNotready } }));
        Assert.Equal([web.Id], await ListAsync(new PodSandboxFilter { Id = web.Id[..10], State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } }));
        var item = (await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = new PodSandboxFilter { Id = web.Id } })).Items.Single();
        Assert.Equal("list-web", item.Metadata.Name);
        Assert.Equal("web", item.Labels["app"]);
    }

    [Fact]
    public async Task Sandbox_is_not_ready_once_its_infra_process_is_gone()
    {
        await using var pod = await node.RunPodAsync("infra-death");
        var info = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Info["info"];
        var infraPid = (int)JsonNode.Parse(info)!["infraPid"]!;
        await Shell.HostAsync("kill", "-KILL", infraPid.ToString());
        await Eventually.UntilAsync(
            async () => (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.State,
            s => s == PodSandboxState.SandboxNotready,
            TimeSpan.FromSeconds(10),
            "the sandbox turning NOTREADY");
        var create = await CriNode.FailsAsync(() => pod.CreateAsync(CriNode.Container("late", "true")));
        Assert.Equal(StatusCode.FailedPrecondition, create.StatusCode);
    }

    [Fact]
    public async Task Stop_and_remove_are_idempotent_and_remove_everything()
    {
        var pod = await node.RunPodAsync("idempotent");
        var container = await pod.StartSleeperAsync("app");
        var pid = await node.PidAsync(container);
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
        Assert.False(Kernel.IsAlive(pid));
        Assert.Equal(ContainerState.ContainerExited, (await node.StatusAsync(container)).State);
        Assert.Equal(PodSandboxState.SandboxNotready, (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.State);
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });

        await node.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod.Id });
        await node.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod.Id });
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
        var gone = await CriNode.FailsAsync(() => node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain((await node.Runtime.ListContainersAsync(new ListContainersRequest())).Containers, c => c.Id == container);
        Assert.False(Directory.Exists(Kernel.CgroupDir("memory", $"{pod.Config.Linux.CgroupParent}/{pod.Id}")));
    }

    [Fact]
    public async Task Sysctls_dns_and_hostname_reach_the_containers()
    {
        await using var pod = await node.RunPodAsync("pod-settings", c =>
        {
            c.Hostname = "settings-host";
            c.Linux.Sysctls["net.ipv4.ip_forward"] = "1";
            c.Linux.Sysctls["kernel.shmmni"] = "2048";
            c.DnsConfig = new DNSConfig { Servers = { "10.96.0.10" }, Searches = { "cri-tests.svc.cluster.local" }, Options = { "ndots:5" } };
        });
        var id = await pod.StartSleeperAsync("app");
        Assert.Equal("1 2048", (await node.ShAsync(id, "echo $(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/kernel/shmmni)")).Trim());
        Assert.Equal("settings-host", (await node.ShAsync(id, "hostname")).Trim());
        var resolv = await node.ShAsync(id, "cat /etc/resolv.conf");
        Assert.Contains("nameserver 10.96.0.10", resolv, StringComparison.Ordinal);
        Assert.Contains("search cri-tests.svc.cluster.local", resolv, StringComparison.Ordinal);
        Assert.Contains("options ndots:5", resolv, StringComparison.Ordinal);

        // The node's own values are untouched.
        Assert.Equal("4096", (await File.ReadAllTextAsync("/proc/sys/kernel/shmmni")).Trim());
    }

    [Fact]
    public async Task Without_a_cgroup_parent_a_sandbox_gets_its_own_under_the_agents_root_and_takes_it_away()
    {
        var pod = await node.RunPodAsync("no-parent", c => c.Linux.CgroupParent = "");
        var uid = pod.Config.Metadata.Uid;
        var parent = $"{node.Agent.CgroupRoot}/berth-cri/pod{uid}";
        Assert.True(Directory.Exists(Kernel.CgroupDir("memory", $"{parent}/{pod.Id}")), $"no cgroup {parent}/{pod.Id}");
        await pod.StartSleeperAsync("app");
        await pod.DisposeAsync();
        Assert.False(Directory.Exists(Kernel.CgroupDir("memory", parent)));
    }

    [Fact]
    public async Task Standalone_pods_and_cri_pods_do_not_see_each_other()
    {
        await using var cri = await node.RunPodAsync("cri-side");
        await using var standalone = await node.Agent.PlayAsync("standalone-side", """
            apiVersion: v1
            kind: Pod
            metadata: { name: standalone-side }
            spec:
              containers:
                - name: c
                  image: busybox
                  command: ["sleep", "3600"]
            """);
        var criIds = (await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items.Select(p => p.Id).ToHashSet();
        Assert.Contains(cri.Id, criIds);
        var standaloneId = Directory.EnumerateFiles(Path.Combine(node.Agent.Root, "sandboxes"), "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Single(id => !criIds.Contains(id!))!;

        // A kubelet must not take a standalone pod for an orphan of its own and stop it.
        Assert.Equal(StatusCode.NotFound, (await CriNode.FailsAsync(() => node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = standaloneId }).ResponseAsync)).StatusCode);
        Assert.DoesNotContain((await node.Runtime.ListContainersAsync(new ListContainersRequest())).Containers, c => c.PodSandboxId == standaloneId);
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = standaloneId });
        await node.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = standaloneId });
        Assert.Equal("Running", (string?)(await standalone.InspectAsync())["phase"]);
        Assert.Equal("hi\n", await standalone.ShAsync("c", "echo hi"));

        var ps = await node.Agent.BerthAsync("ps", "-a");
        Assert.Contains("standalone-side", ps.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("cri-side", ps.Stdout, StringComparison.Ordinal);
    }
}
