using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;
using Berth.Node.Tests;

namespace Berth.Integration.Tests;

/// <summary>
/// Issue #14 on real cgroups: the housekeeping pass and the kubelet's endpoints on
/// --metrics-address. A busy loop shows about one CPU-second per second, a 200 MiB holder a
/// working set of at least that, PSI rises under contention, and every scrape is valid
/// Prometheus text with cAdvisor's names and labels. The tests measure whole cores, so they run
/// alone (the "pressure" collection).
/// </summary>
[Collection("pressure")]
public class NodeStatsTests
{
    private const double MiB = 1 << 20;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(Agent Agent, HttpClient Http)> StartAsync(string name)
    {
        var port = FreePort();
        var agent = await Agent.StartAsync(name, "--metrics-address", $"127.0.0.1:{port}", "--housekeeping-interval", "1");
        await TestNode.ImportBusyboxAsync(agent);
        return (agent, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });
    }

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString());
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> SummaryAsync(HttpClient http) => JsonNode.Parse(await http.GetStringAsync("/stats/summary"))!;

    /// <summary>A container of the summary; null until a housekeeping pass has seen it.</summary>
    private static JsonNode? Container(JsonNode summary, string pod, string container) =>
        summary["pods"]!.AsArray().SingleOrDefault(p => (string?)p!["podRef"]!["name"] == pod)?["containers"]?.AsArray().SingleOrDefault(c => (string?)c!["name"] == container);

    [Fact]
    public async Task A_busy_loop_burns_one_cpu_second_per_second_and_a_holder_shows_its_working_set()
    {
        var (agent, http) = await StartAsync("stats");
        await using var _ = agent;
        using var __ = http;
        await using var pod = await agent.PlayAsync("load", """
            apiVersion: v1
            kind: Pod
            metadata: { name: load, namespace: stats }
            spec:
              containers:
                - { name: busy, image: busybox, command: ["sh", "-c", "while :; do :; done"] }
                - { name: holder, image: busybox, command: ["sh", "-c", "dd if=/dev/zero bs=200M count=1 | sleep 3600"] }
            """);

        // The holder's 200 MiB buffer is anonymous memory: all of it is working set.
        var holder = await Eventually.UntilAsync(
            async () => Container(await SummaryAsync(http), "load", "holder"),
            c => (double?)c?["memory"]?["workingSetBytes"] >= 200 * MiB && (double?)c?["memory"]?["rssBytes"] >= 200 * MiB,
            TimeSpan.FromSeconds(30),
            "the holder's working set reaching 200 MiB");
        Assert.InRange((double)holder!["memory"]!["workingSetBytes"]!, 200 * MiB, (double)holder["memory"]!["usageBytes"]!);

        // CPU: cumulative usage over the passes' own timestamps, so scrape timing does not matter.
        var first = Container(await SummaryAsync(http), "load", "busy")!["cpu"]!;
        var second = await Eventually.UntilAsync(
            async () => Container(await SummaryAsync(http), "load", "busy")!["cpu"]!,
            c => DateTimeOffset.Parse((string)c["time"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)first["time"]!, CultureInfo.InvariantCulture) >= TimeSpan.FromSeconds(5),
            TimeSpan.FromSeconds(30),
            "five seconds of housekeeping");
        var seconds = (DateTimeOffset.Parse((string)second["time"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)first["time"]!, CultureInfo.InvariantCulture)).TotalSeconds;
        var cores = ((double)second["usageCoreNanoSeconds"]! - (double)first["usageCoreNanoSeconds"]!) / 1e9 / seconds;

        // One shell loop is one thread: never above a core; alone on two cores it gets most of one.
        Assert.InRange(cores, 0.5, 1.1);
        Assert.InRange((double)second["usageNanoCores"]! / 1e9, 0.5, 1.1);

        // The same numbers under cAdvisor's names and labels.
        var cadvisor = await ScrapeAsync(http, "/metrics/cadvisor");
        var busy = cadvisor.Single("container_cpu_usage_seconds_total", "container=busy", "pod=load", "namespace=stats", "cpu=total");
        Assert.Equal("busybox", busy["image"]);
        Assert.Matches("^[0-9a-f]{64}$", busy["name"]);
        Assert.EndsWith(busy["name"], busy["id"]);
        Assert.True(busy.Value > 1, $"busy cpu {busy.Value} s");
        Assert.True(cadvisor.Value("container_memory_working_set_bytes", "container=holder", "pod=load") >= 200 * MiB);
        Assert.True(cadvisor.Value("container_memory_working_set_bytes", "container=", "pod=load") >= 200 * MiB, "the pod's cgroup holds its containers");
        Assert.Equal("counter", cadvisor.Type["container_pressure_cpu_waiting_seconds_total"]);
        Assert.Contains(cadvisor.All("container_pressure_cpu_waiting_seconds_total"), s => s["container"] == "busy");
        Assert.Equal(0, cadvisor.Value("container_spec_memory_limit_bytes", "container=busy", "pod=load"));
        Assert.True(cadvisor.Value("container_processes", "container=holder", "pod=load") >= 3, "sh, dd and sleep");
        Assert.True(cadvisor.Value("container_file_descriptors", "container=holder", "pod=load") >= 3, "at least the three processes' standard streams");

        var resource = await ScrapeAsync(http, "/metrics/resource");
        Assert.True(resource.Value("container_memory_working_set_bytes", "container=holder", "pod=load", "namespace=stats") >= 200 * MiB);
        Assert.True(resource.Value("pod_memory_working_set_bytes", "pod=load", "namespace=stats") >= 200 * MiB);
        Assert.True(resource.Value("node_memory_working_set_bytes") > 200 * MiB);
        Assert.Equal(0, resource.Value("resource_scrape_error"));
        await ScrapeAsync(http, "/metrics");
    }

    [Fact]
    public async Task Pressure_rises_when_three_loops_share_two_cores_and_the_endpoints_stay_off_the_socket()
    {
        var (agent, http) = await StartAsync("psi");
        await using var _ = agent;
        using var __ = http;
        await using var pod = await agent.PlayAsync("crowd", """
            apiVersion: v1
            kind: Pod
            metadata: { name: crowd }
            spec:
              containers:
                - { name: loops, image: busybox, command: ["sh", "-c", "for i in 1 2 3; do (while :; do :; done) & done; wait"] }
            """);

        double? Waiting(PrometheusText t) => t.All("container_pressure_cpu_waiting_seconds_total", "container=loops", "pod=crowd").SingleOrDefault()?.Value;
        var before = (await Eventually.UntilAsync(
            async () => Waiting(await ScrapeAsync(http, "/metrics/cadvisor")),
            w => w is not null,
            TimeSpan.FromSeconds(20),
            "a housekeeping pass seeing the pod")) ?? 0;
        var after = await Eventually.UntilAsync(
            async () => Waiting(await ScrapeAsync(http, "/metrics/cadvisor")),
            w => w >= before + 1,
            TimeSpan.FromSeconds(30),
            "a second of CPU stall");
        Assert.True(after > before, $"stall {before} -> {after} s");

        // The Summary API carries the same PSI, in the kernel's microseconds.
        var psi = Container(await SummaryAsync(http), "crowd", "loops")!["cpu"]!["psi"]!;
        Assert.True((double)psi["some"]!["total"]! >= (before + 1) * 1e6, psi.ToJsonString());

        // Node-level PSI from /proc/pressure, and the node's filesystems and pids.
        var node = (await SummaryAsync(http))["node"]!;
        Assert.NotNull(node["cpu"]!["psi"]);
        Assert.True((double)node["fs"]!["capacityBytes"]! > 0);
        Assert.True((double)node["rlimit"]!["maxpid"]! > (double)node["rlimit"]!["curproc"]!);

        // The agent's own metrics time CRI calls by RPC.
        using (var channel = Berth.Cli.AgentClient.Channel(agent.Socket))
        {
            await new Berth.Cri.V1.RuntimeService.RuntimeServiceClient(channel).VersionAsync(new Berth.Cri.V1.VersionRequest());
        }

        var own = await ScrapeAsync(http, "/metrics");
        Assert.Equal("histogram", own.Type["berth_cri_request_duration_seconds"]);
        Assert.True(own.Value("berth_cri_request_duration_seconds_count", "method=Version") >= 1);

        // Only the metrics listener serves them: the streaming server (HTTP/1.1 too) does not.
        var streaming = System.Text.RegularExpressions.Regex.Match(await File.ReadAllTextAsync(agent.AgentLog), @"streaming on (http://\S+)").Groups[1].Value;
        using var other = new HttpClient { BaseAddress = new Uri(streaming) };
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/metrics/cadvisor")).StatusCode);
    }
}
