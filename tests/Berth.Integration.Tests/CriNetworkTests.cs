using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

/// <summary>Pod networking through real CNI plugins: a bridge, host-local addresses and portmap.</summary>
[Collection("cni")]
public class CriNetworkTests(CniNode node)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>busybox httpd serving one page (the pod's hostname) on port 8080.</summary>
    private static ContainerConfig WebServer(string name) =>
        CriNode.Container(name, "sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www");

    /// <summary>The body at <paramref name="url"/> once it answers (a pod's server takes a moment to listen).</summary>
    internal static async Task<string> GetAsync(string url) =>
        await Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    return await Http.GetStringAsync(url);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return null;
                }
            },
            body => body is not null,
            TimeSpan.FromSeconds(20),
            $"GET {url}") ?? "";

    private static int FreeHostPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_pod_gets_an_address_on_the_bridge_its_containers_share_and_stop_gives_it_all_back()
    {
        var hostPort = FreeHostPort();
        await using var pod = await node.RunPodAsync("web", c => c.PortMappings.Add(new PortMapping { ContainerPort = 8080, HostPort = hostPort, Protocol = Protocol.Tcp }));
        var status = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Status;
        var ip = status.Network.Ip;
        Assert.StartsWith(node.SubnetPrefix, ip, StringComparison.Ordinal);
        Assert.Equal([ip], node.ReservedIps());
        Assert.Single(node.BridgePorts());

        // The pinned namespace is the infra's, and the one the containers join.
        var pin = Path.Combine(node.Agent.RunRoot, "netns", pod.Id);
        var web = await pod.StartAsync(WebServer("web"));
        var webPid = await node.PidAsync(web);
        Assert.Equal(Kernel.NsInode(webPid, "net"), new FileInfo(pin).Exists ? await NsfsInodeAsync(pin) : 0UL);

        // Reachable from the host at the pod's address, and at the host port through portmap.
        Assert.Equal("web\n", await GetAsync($"http://{ip}:8080/"));
        Assert.Equal("web\n", await GetAsync($"http://127.0.0.1:{hostPort}/"));
        Assert.Contains($"--dport {hostPort}", await CniNode.NatRulesAsync(), StringComparison.Ordinal);

        // A second container reaches the first on the pod's loopback and sees the same eth0.
        var client = await pod.StartSleeperAsync("client");
        Assert.Equal("web\n", await node.ShAsync(client, "wget -qO- http://127.0.0.1:8080/"));
        Assert.Contains($"inet {ip}/24", await node.ShAsync(client, "ip -4 addr show eth0"), StringComparison.Ordinal);

        // Stop tears the network down before the infra: no port, no address, no rule, no pin.
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
        Assert.Empty(node.BridgePorts());
        Assert.Empty(node.ReservedIps());
        Assert.DoesNotContain($"--dport {hostPort}", await CniNode.NatRulesAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(pin));
        Assert.DoesNotContain(pin, Kernel.MountPoints());

        // Stop and remove stay idempotent; the stopped sandbox still reports its address.
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
        Assert.Equal(ip, (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.Network.Ip);
    }

    [Fact]
    public async Task The_network_of_a_sandbox_whose_infra_died_is_torn_down_even_after_an_agent_restart()
    {
        await using var pod = await node.RunPodAsync("orphan");
        var ip = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.Network.Ip;
        Assert.Contains(ip, node.ReservedIps());
        await pod.StartSleeperAsync("app");
        var info = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true })).Info["info"];
        var infra = (int)JsonNode.Parse(info)!["infraPid"]!;

        await node.Agent.StopProcessAsync(kill: true);
        await Shell.HostAsync("kill", "-KILL", infra.ToString(CultureInfo.InvariantCulture));
        await node.Agent.StartProcessAsync(AgentArgsOf(node));
        node.Connect();
        await Eventually.UntilAsync(
            async () => (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.State,
            s => s == PodSandboxState.SandboxNotready,
            TimeSpan.FromSeconds(10),
            "the sandbox going NOTREADY");

        // The pin kept the namespace and its veth alive, so DEL finds and removes them.
        Assert.NotEmpty(node.BridgePorts());
        await node.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
        Assert.DoesNotContain(ip, node.ReservedIps());
        Assert.Empty(node.BridgePorts());
    }

    [Fact]
    public async Task A_create_the_agent_did_not_live_to_record_is_undone_on_its_next_start_network_included()
    {
        // As if the agent died between CNI ADD and writing the sandbox's record: the infra runs,
        // the address is taken, the pin exists, and no record names any of it.
        var pod = await node.RunPodAsync("unrecorded");
        var ip = (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.Network.Ip;
        var pin = Path.Combine(node.Agent.RunRoot, "netns", pod.Id);
        await node.Agent.StopProcessAsync(kill: true);
        File.Delete(Path.Combine(node.Agent.Root, "sandboxes", pod.Id + ".json"));
        Assert.Contains(ip, node.ReservedIps());
        Assert.True(File.Exists(pin));

        await node.Agent.StartProcessAsync(AgentArgsOf(node));
        node.Connect();
        Assert.DoesNotContain(ip, node.ReservedIps());
        Assert.Empty(node.BridgePorts());
        Assert.False(File.Exists(pin));
        Assert.DoesNotContain(pin, Kernel.MountPoints());
        Assert.Empty((await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items);
    }

    [Fact]
    public async Task Host_network_pods_get_no_cni_address_and_runtime_status_reports_the_network_ready()
    {
        await using var pod = await node.RunPodAsync("host", c => c.Linux.SecurityContext.NamespaceOptions.Network = NamespaceMode.Node);
        Assert.Equal("", (await node.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.Id })).Status.Network.Ip);
        Assert.Empty(node.ReservedIps());

        var conditions = (await node.Runtime.StatusAsync(new StatusRequest())).Status.Conditions;
        Assert.True(conditions.Single(c => c.Type == "NetworkReady").Status);
    }

    [Fact]
    public async Task A_failing_plugin_fails_the_sandbox_whole_with_nothing_left_and_a_missing_one_makes_the_network_not_ready()
    {
        // A plugin after bridge and portmap that refuses ADD with a CNI error result.
        var failing = Path.Combine(node.ExtraBinDir, "berth-refuse");
        await File.WriteAllTextAsync(failing, "#!/bin/sh\ncat >/dev/null\n[ \"$CNI_COMMAND\" = ADD ] || exit 0\necho '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"refused by test\"}'\nexit 1\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await File.WriteAllTextAsync(node.ConfFile, node.ConfList("""{"type": "berth-refuse"}"""));
            var before = (await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items.Count;
            var e = await CriNode.FailsAsync(() => node.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = node.PodConfig("refused") }).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            Assert.Contains("refused by test", e.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(before, (await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items.Count);
            Assert.Empty(node.ReservedIps());
            Assert.Empty(node.BridgePorts());
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(node.Agent.RunRoot, "netns")));

            await File.WriteAllTextAsync(node.ConfFile, node.ConfList("""{"type": "berth-no-such-plugin"}"""));
            var network = (await node.Runtime.StatusAsync(new StatusRequest())).Status.Conditions.Single(c => c.Type == "NetworkReady");
            Assert.False(network.Status);
            Assert.Contains("berth-no-such-plugin", network.Message, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllTextAsync(node.ConfFile, node.ConfList());
        }
    }

    private static string[] AgentArgsOf(CniNode node) =>
        ["--cni-conf-dir", node.ConfDir, "--cni-bin-dir", CniNode.PluginDir, "--cni-bin-dir", node.ExtraBinDir];

    /// <summary>The namespace inode behind a pinned nsfs file.</summary>
    private static async Task<ulong> NsfsInodeAsync(string path) =>
        ulong.Parse((await Shell.HostAsync("stat", "-L", "-c", "%i", path)).Trim(), CultureInfo.InvariantCulture);
}

/// <summary>The standalone front door shares the network: `berth play` pods get addresses and host ports too.</summary>
[Collection("cni")]
public class PlayNetworkTests(CniNode node)
{
    [Fact]
    public async Task A_played_pod_gets_an_address_and_its_host_port_and_down_gives_them_back()
    {
        int hostPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            hostPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var yaml = $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: played-web, namespace: default }
            spec:
              containers:
              - name: web
                image: busybox
                command: [sh, -c, "mkdir -p /www && echo played > /www/index.html && exec httpd -f -p 8080 -h /www"]
                ports: [{ containerPort: 8080, hostPort: {{hostPort}} }]
            """;
        await using (await node.Agent.PlayAsync("played-web", yaml))
        {
            var pods = JsonNode.Parse((await node.Agent.BerthAsync("ps", "-o", "json")).Stdout)!.AsArray();
            var ip = (string)pods.Single(p => (string)p!["name"]! == "played-web")!["podIps"]![0]!;
            Assert.StartsWith(node.SubnetPrefix, ip, StringComparison.Ordinal);

            Assert.Equal("played\n", await CriNetworkTests.GetAsync($"http://127.0.0.1:{hostPort}/"));
            Assert.Contains(ip, node.ReservedIps());
        }

        Assert.Empty(node.ReservedIps());
        Assert.Empty(node.BridgePorts());
    }

    [Fact]
    public async Task A_pod_that_completed_is_terminated_its_infra_stopped_and_its_address_given_back()
    {
        await using var done = await node.Agent.PlayAsync("completes", """
            apiVersion: v1
            kind: Pod
            metadata: { name: completes, namespace: default }
            spec:
              restartPolicy: OnFailure
              containers: [{ name: once, image: busybox, command: [sh, -c, "echo finished"] }]
            """);
        var sandboxes = await node.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest());
        Assert.DoesNotContain(sandboxes.Items, s => s.Metadata.Name == "completes"); // standalone pods are not CRI's

        // The kubelet kills the sandbox of a pod whose containers will not run again.
        await Eventually.UntilAsync(() => Task.FromResult(node.ReservedIps().Count), n => n == 0, TimeSpan.FromSeconds(20), "the address given back");
        var inspect = JsonNode.Parse((await node.Agent.BerthAsync("inspect", "completes", "-o", "json")).Stdout)!;
        Assert.Equal("Succeeded", (string?)inspect["phase"]);
        Assert.Empty(node.BridgePorts());
        Assert.Equal("finished\n", (await node.Agent.BerthAsync("logs", "completes")).Stdout);
    }
}
