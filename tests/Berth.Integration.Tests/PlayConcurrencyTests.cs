using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>Admission holds no global lock: a play stuck on its image pull holds only its own pod.</summary>
[Collection("node")]
public class PlayConcurrencyTests(TestNode node)
{
    [Fact]
    public async Task A_hung_image_pull_does_not_hold_the_play_of_another_pod()
    {
        // A registry that accepts connections and never answers.
        var registry = new TcpListener(IPAddress.Loopback, 0);
        registry.Start();
        var port = ((IPEndPoint)registry.LocalEndpoint).Port;
        var connections = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var client = await registry.AcceptTcpClientAsync();
                    lock (connections)
                    {
                        connections.Add(client);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        });

        var hung = node.Agent.PlayRawAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: pulls-forever }
            spec:
              containers: [{ name: c, image: "127.0.0.1:{{port}}/x:y", command: ["sleep", "3600"] }]
            """);
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(Connected(connections)), n => n > 0, TimeSpan.FromSeconds(30), "the play to reach the registry");

            var started = DateTime.UtcNow;
            await using var local = await node.Agent.PlayAsync("plays-meanwhile", """
                apiVersion: v1
                kind: Pod
                metadata: { name: plays-meanwhile }
                spec:
                  containers: [{ name: c, image: busybox, command: ["sleep", "3600"] }]
                """);

            Assert.True(DateTime.UtcNow - started < TestTime.Seconds(10), $"the second play took {DateTime.UtcNow - started}");
            Assert.Equal("Running", (string?)(await local.InspectAsync())["phase"]);
            Assert.False(hung.IsCompleted, "the first play should still be pulling");
        }
        finally
        {
            // The registry goes away: the first play fails its pull and creates nothing.
            registry.Stop();
            lock (connections)
            {
                connections.ForEach(c => c.Dispose());
            }

            await accepting;
        }

        var failed = await hung;
        Assert.Equal(2, failed.ExitCode);
        Assert.Contains("ErrImagePull", failed.Stderr);
        var ps = JsonNode.Parse((await node.Agent.BerthAsync("ps", "-a", "-o", "json")).Stdout)!.AsArray();
        Assert.DoesNotContain(ps, p => (string?)p!["name"] is "pulls-forever" or "plays-meanwhile");
    }

    private static int Connected(List<TcpClient> connections)
    {
        lock (connections)
        {
            return connections.Count;
        }
    }
}
