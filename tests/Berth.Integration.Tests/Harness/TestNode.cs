namespace Berth.Integration.Tests.Harness;

/// <summary>The shared node for the tests of the "node" collection: one agent with the busybox
/// image imported (built from the host's packages by scripts/make-rootfs, with runc inside for
/// nested-container tests).</summary>
public sealed class TestNode : IAsyncLifetime
{
    public static readonly string[] FastLifecycle = ["--backoff-base", "1", "--backoff-max", "8", "--sync-interval", "0.2"];

    public static readonly string[] MemoryQos = ["--feature-gates", "MemoryQoS=true", "--memory-reservation-policy", "TieredReservation"];

    public Agent Agent { get; private set; } = null!;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Berth.slnx not found");
    }

    public async Task InitializeAsync()
    {
        // Fast lifecycle timings so restart tests take seconds: back-off 1 s doubling to 8 s.
        // Memory QoS is on as a v2 node would run it (the agent warns that v1 ignores it).
        Agent = await Agent.StartAsync("node", [.. FastLifecycle, .. MemoryQos]);
        await ImportBusyboxAsync(Agent);
    }

    public static async Task ImportBusyboxAsync(Agent agent)
    {
        var rootfs = Path.Combine(agent.Dir, "busybox-rootfs");
        await Shell.HostAsync(Path.Combine(RepositoryRoot(), "scripts", "make-rootfs"), rootfs, "--with", "/usr/sbin/runc");
        var import = await agent.BerthAsync("image", "import", rootfs, "busybox");
        Assert.True(import.ExitCode == 0, import.ToString());
    }

    public async Task DisposeAsync() => await Agent.DisposeAsync();
}

[CollectionDefinition("node")]
public sealed class NodeCollection : ICollectionFixture<TestNode>;
