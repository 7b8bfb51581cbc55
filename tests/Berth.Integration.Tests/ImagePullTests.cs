using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// End to end: an image leaves the node (`berth image save`), goes to a registry on loopback
/// (Debian's docker-registry, pushed with skopeo), and comes back when a pod needs it, as its
/// imagePullPolicy says, through a registry mirror of the agent.
/// </summary>
[Collection("node")]
public sealed class ImagePullTests : IAsyncLifetime
{
    private readonly string dir = Directory.CreateTempSubdirectory("berth-it-registry-").FullName;
    private Process? registry;
    private int port;
    private int metricsPort;
    private Agent agent = null!;

    public async Task InitializeAsync()
    {
        port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "htpasswd"), await Shell.HostAsync("htpasswd", "-Bbn", "puller", "s3cret"));
        await File.WriteAllTextAsync(Path.Combine(dir, "config.yml"), $$"""
            version: 0.1
            log: { level: error }
            storage: { filesystem: { rootdirectory: {{dir}}/data } }
            http: { addr: 127.0.0.1:{{port}} }
            auth: { htpasswd: { realm: berth-test, path: {{dir}}/htpasswd } }
            """);
        registry = Process.Start(new ProcessStartInfo("docker-registry", ["serve", Path.Combine(dir, "config.yml")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _ = registry.StandardError.ReadToEndAsync();
        _ = registry.StandardOutput.ReadToEndAsync();
        using var http = new HttpClient();
        await Eventually.UntilAsync(async () => { try { return (await http.GetAsync($"http://127.0.0.1:{port}/v2/")).StatusCode == HttpStatusCode.Unauthorized ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable; } catch (HttpRequestException) { return HttpStatusCode.ServiceUnavailable; } }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the registry answering");

        // The agent under test reaches "registry.example/..." only through its mirror on loopback.
        metricsPort = FreePort();
        agent = await Agent.StartAsync("pull", [.. TestNode.FastLifecycle, "--registry-mirror", $"registry.example=http://127.0.0.1:{port}", "--metrics-address", $"127.0.0.1:{metricsPort}"]);
        await TestNode.ImportBusyboxAsync(agent);
        var archive = Path.Combine(dir, "busybox.tar");
        var save = await agent.BerthAsync("image", "save", "busybox", "-o", archive);
        Assert.True(save.ExitCode == 0, save.ToString());
        await Shell.HostAsync("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", "puller:s3cret", $"oci-archive:{archive}", $"docker://127.0.0.1:{port}/tools/busybox:1.0");
    }

    public async Task DisposeAsync()
    {
        await agent.DisposeAsync();
        registry?.Kill();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>The registry's credentials as the Secret a pod names in imagePullSecrets.</summary>
    private static readonly string PullSecret = $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: regcred }
        type: kubernetes.io/dockerconfigjson
        data:
          .dockerconfigjson: {{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("""{"auths":{"registry.example":{"username":"puller","password":"s3cret"}}}"""))}}
        ---
        """;

    private static string Pod(string name, string image, string policy, bool withSecret = true) => $$"""
        {{(withSecret ? PullSecret : "")}}
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          {{(withSecret ? "imagePullSecrets: [{ name: regcred }]" : "")}}
          containers: [{ name: c, image: "{{image}}", imagePullPolicy: {{policy}}, command: ["sleep", "3600"] }]
        """;

    [Fact]
    public async Task Pods_pull_their_images_through_the_mirror_as_their_policy_says()
    {
        const string Image = "registry.example/tools/busybox:1.0";

        // Never, and not here: ErrImageNeverPull, nothing created.
        var never = await agent.PlayRawAsync(Pod("never", Image, "Never"));
        Assert.Equal(2, never.ExitCode);
        Assert.Contains("spec.containers[0].image", never.Stderr);
        Assert.Contains("ErrImageNeverPull", never.Stderr);

        // The registry wants credentials: without the pod's pull secret the pull is refused.
        var anonymous = await agent.PlayRawAsync(Pod("anonymous", Image, "IfNotPresent", withSecret: false));
        Assert.Equal(2, anonymous.ExitCode);
        Assert.Contains("ErrImagePull", anonymous.Stderr);
        Assert.True(anonymous.Stderr.Contains("requires authentication", StringComparison.Ordinal), anonymous.Stderr);

        // IfNotPresent with imagePullSecrets: pulled once through the mirror, then used.
        await using (var pod = await agent.PlayAsync("ifnotpresent", Pod("ifnotpresent", Image, "IfNotPresent")))
        {
            var doc = await pod.InspectAsync();
            Assert.Contains(doc["events"]!.AsArray(), e => (string?)e!["reason"] == "Pulled" && ((string?)e["message"])!.Contains("Successfully pulled"));
            Assert.Equal("running", (string?)doc["containers"]![0]!["state"]);
        }

        // Creating a container marks its image used: image GC removes the least recently used first.
        var inspect = await agent.BerthAsync("image", "inspect", Image);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.NotNull((string?)System.Text.Json.Nodes.JsonNode.Parse(inspect.Stdout)!["lastUsed"]);

        var images = (await agent.BerthAsync("image", "ls")).Stdout;
        Assert.Contains("registry.example/tools/busybox", images);

        // Now present: IfNotPresent uses it, Never accepts it.
        await using (var pod = await agent.PlayAsync("present", Pod("present", Image, "Never")))
        {
            Assert.Contains((await pod.InspectAsync())["events"]!.AsArray(), e => ((string?)e!["message"])!.Contains("already present"));
        }

        // A tag the registry lacks: the pull error names the field, nothing is created.
        var missing = await agent.PlayRawAsync(Pod("missing", "registry.example/tools/busybox:9.9", "Always"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("spec.containers[0].image", missing.Stderr);
        Assert.Contains("ErrImagePull", missing.Stderr);
        Assert.DoesNotContain("missing", (await agent.BerthAsync("ps", "-a")).Stdout);

        // The agent's own metrics counted each pull by its result, and the two pods' starts.
        using var http = new HttpClient();
        var metrics = Berth.Node.Tests.PrometheusText.Parse(await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Equal(1, metrics.Value("berth_image_pulls_total", "result=success"));
        Assert.Equal(1, metrics.Value("berth_image_pulls_total", "result=unauthorized"));
        Assert.Equal(1, metrics.Value("berth_image_pulls_total", "result=not_found"));
        Assert.Equal(2, metrics.Value("kubelet_pod_start_duration_seconds_count"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
