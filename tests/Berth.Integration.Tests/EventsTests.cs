using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>`berth events [POD] [-f]`: the kubelet's pod events, listed and followed.</summary>
[Collection("node")]
public class EventsTests(TestNode node)
{
    [Fact]
    public async Task Events_lists_scheduled_created_started_oldest_first()
    {
        await using var pod = await node.Agent.PlayAsync("ev-list", """
            apiVersion: v1
            kind: Pod
            metadata: { name: ev-list }
            spec:
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);

        var table = await node.Agent.BerthAsync("events");
        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$", lines[0]);
        // Other pods' events and ones like Pulled may come between: find each of this pod's by its reason.
        var mine = lines.Where(l => l.Contains(" pod/ev-list", StringComparison.Ordinal)).ToList();
        int Line(string pattern) => Assert.Single(mine.Select((l, i) => (l, i)), x => Regex.IsMatch(x.l, pattern)).i;
        var scheduled = Line(@"^\d+s\s+Normal\s+Scheduled\s+pod/ev-list\s+Successfully assigned default/ev-list to ");
        var created = Line(@"^\d+s\s+Normal\s+Created\s+pod/ev-list/app\s+Created container app$");
        var started = Line(@"^\d+s\s+Normal\s+Started\s+pod/ev-list/app\s+Started container app$");
        Assert.True(scheduled < created && created < started, string.Join('\n', mine));

        var json = await node.Agent.BerthAsync("events", "ev-list", "-o", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var events = JsonNode.Parse(json.Stdout)!.AsArray().Select(e => e!.AsObject()).ToList();
        Assert.All(events, e => Assert.Equal("ev-list", (string?)e["pod"]));
        var reasons = events.Select(e => (string)e["reason"]!).ToList();
        Assert.Equal(["Scheduled", "Created", "Started"], reasons.Where(r => r is "Scheduled" or "Created" or "Started"));
        Assert.Null(events[reasons.IndexOf("Scheduled")]["container"]);
        Assert.Equal("app", (string?)events[reasons.IndexOf("Created")]["container"]);
        var times = events.Select(e => DateTimeOffset.Parse((string)e["time"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);

        var unknown = await node.Agent.BerthAsync("events", "no-such-pod");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("pod \"no-such-pod\" not found", unknown.Stderr);
    }

    [Fact]
    public async Task Events_follow_receives_killing_when_the_pod_is_downed()
    {
        await using var pod = await node.Agent.PlayAsync("ev-follow", """
            apiVersion: v1
            kind: Pod
            metadata: { name: ev-follow }
            spec:
              containers: [{ name: app, image: busybox, command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"] }]
            """);
        await using var follower = Follower.Start(node.Agent, "events", "ev-follow", "-f");
        await follower.WaitForAsync(" Started ", "the recorded events");

        var down = await node.Agent.BerthAsync("down", "ev-follow", "--grace-period", "10");
        Assert.True(down.ExitCode == 0, down.ToString());
        var killing = await follower.WaitForAsync(" Killing ", "the Killing event");
        Assert.Matches(@"Normal\s+Killing\s+pod/ev-follow/app\s+Stopping container app", killing);
        Assert.False(follower.HasExited, "a follow lasts until it is interrupted");

        // Every event once: recorded ones are not sent again while following.
        Assert.Equal(1, follower.Lines.Count(l => l.Contains(" Started ", StringComparison.Ordinal)));
        Assert.Equal(1, follower.Lines.Count(l => l.Contains(" Scheduled ", StringComparison.Ordinal)));
    }

    /// <summary>A `berth` command left running in the background, its output collected line by line.</summary>
    private sealed class Follower : IAsyncDisposable
    {
        private readonly Process process;
        private readonly List<string> lines = [];

        private Follower(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (lines)
                    {
                        lines.Add(line);
                    }
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (lines)
                {
                    return [.. lines];
                }
            }
        }

        public bool HasExited => process.HasExited;

        public static Follower Start(Agent agent, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { Shell.BerthDll, "--socket", agent.Socket }.Concat(args))
            {
                start.ArgumentList.Add(arg);
            }

            return new Follower(Process.Start(start)!);
        }

        public async Task<string> WaitForAsync(string part, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                if (Lines.FirstOrDefault(l => l.Contains(part, StringComparison.Ordinal)) is { } line)
                {
                    return line;
                }

                Assert.True(DateTime.UtcNow < deadline, $"{what}: not printed within 15 s; got:\n{string.Join('\n', Lines)}");
                await Task.Delay(100);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(limit.Token);
            }

            process.Dispose();
        }
    }
}
