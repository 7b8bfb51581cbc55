using Berth.Core.Manifests;
using Berth.Runtime.Model;
using Berth.Runtime.Pods;
using Berth.Runtime.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Pods;

/// <summary>The standalone door's kubelet work (restarts, back-off, sandbox replacement, recovery) on a fake node.</summary>
public sealed class PodSyncTests : IAsyncLifetime
{
    private static readonly LifecycleOptions Fast = new()
    {
        SyncInterval = TimeSpan.FromMilliseconds(20),
        BackoffBase = TimeSpan.FromMilliseconds(300),
        BackoffMax = TimeSpan.FromSeconds(5),
    };

    private readonly FakeNode node = new();
    private readonly CancellationTokenSource stop = new();
    private PodController pods = null!;
    private Task supervisor = Task.CompletedTask;

    public Task InitializeAsync()
    {
        node.Images.Add("busybox", new Images.ImageConfig([], ["sh"], [], "", "", []));
        pods = new PodController(node.Runtime, node.Cgroups, node.Images, Fast, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await supervisor.ContinueWith(_ => { }, TaskScheduler.Default);
        node.Dispose();
    }

    [Fact]
    public async Task Play_creates_the_pod_cgroup_a_sandbox_and_a_running_container()
    {
        var status = await PlayAsync(Pod("web", "Always"));

        Assert.Equal("Running", status.Phase);
        Assert.True(node.Cgroups.Exists(status.Pod.Plan.CgroupParent));
        Assert.Equal(SandboxState.Ready, status.Sandbox!.State);
        Assert.Equal(ContainerState.Running, status.Containers.Single().Record!.State);
    }

    [Fact]
    public async Task A_new_pod_reports_its_start_once_and_a_restart_does_not_report_it_again()
    {
        var started = new List<(string Name, TimeSpan Duration)>();
        pods.Started += (pod, duration) => started.Add((pod.Name, duration));

        var status = await PlayAsync(Pod("web", "Always"));
        Supervise();
        node.Oci.Exit(status.Containers.Single().Record!.Id, 2);
        await UntilAsync("web", s => s.Containers.Single() is { Container.RestartCount: 1, Record.State: ContainerState.Running });

        var (name, duration) = Assert.Single(started);
        Assert.Equal("web", name);
        Assert.InRange(duration, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_crashed_container_is_restarted_at_once_the_first_time()
    {
        var status = await PlayAsync(Pod("web", "Always"));
        var first = status.Containers.Single().Record!;
        Supervise();

        node.Oci.Exit(first.Id, 2);

        var after = await UntilAsync("web", s => s.Containers.Single() is { Container.RestartCount: 1, Record.State: ContainerState.Running });
        var c = after.Containers.Single();
        Assert.NotEqual(first.Id, c.Record!.Id);
        Assert.Equal(2, c.Container.LastState!.ExitCode);
    }

    [Fact]
    public async Task Later_crashes_wait_out_a_doubling_back_off()
    {
        await PlayAsync(Pod("web", "Always"));
        Supervise();

        var crashes = new List<DateTimeOffset>();
        for (var restart = 1; restart <= 3; restart++)
        {
            var running = await UntilAsync("web", s => s.Containers.Single().Record?.State == ContainerState.Running && s.Containers.Single().Container.RestartCount == restart - 1);
            crashes.Add(DateTimeOffset.UtcNow);
            node.Oci.Exit(running.Containers.Single().Record!.Id, 1);
        }

        var waiting = await UntilAsync("web", s => s.Containers.Single().WaitingReason == "CrashLoopBackOff");
        Assert.Equal(2, waiting.Containers.Single().Container.RestartCount);
        Assert.Equal(TimeSpan.FromMilliseconds(600), waiting.Containers.Single().Container.Backoff); // 300 ms, doubled
        Assert.Contains(waiting.Pod.Events, e => e.Reason == "BackOff");
    }

    [Theory]
    [InlineData("Never", 1, "Failed")]
    [InlineData("Never", 0, "Succeeded")]
    [InlineData("OnFailure", 0, "Succeeded")]
    public async Task A_finished_container_that_the_policy_does_not_restart_ends_the_pod(string policy, int code, string phase)
    {
        var status = await PlayAsync(Pod("job", policy));
        Supervise();

        node.Oci.Exit(status.Containers.Single().Record!.Id, code);

        var done = await UntilAsync("job", s => s.Phase == phase);
        Assert.Equal(0, done.Containers.Single().Container.RestartCount);
    }

    [Fact]
    public async Task OnFailure_restarts_a_failed_container()
    {
        var status = await PlayAsync(Pod("job", "OnFailure"));
        Supervise();

        node.Oci.Exit(status.Containers.Single().Record!.Id, 1);

        await UntilAsync("job", s => s.Containers.Single() is { Container.RestartCount: 1, Record.State: ContainerState.Running });
    }

    [Fact]
    public async Task A_pod_whose_infra_died_gets_a_new_sandbox_and_new_containers()
    {
        var status = await PlayAsync(Pod("web", "Always"));
        var oldSandbox = status.Sandbox!.Id;
        Supervise();

        node.Oci.Exit(oldSandbox, 137);

        var after = await UntilAsync("web", s => s.Sandbox is { State: SandboxState.Ready } sb && sb.Id != oldSandbox && s.Containers.Single().Record?.State == ContainerState.Running);
        Assert.Equal(1, after.Pod.SandboxAttempt);
        Assert.Equal(after.Sandbox!.Id, after.Containers.Single().Record!.SandboxId);
        Assert.Null(node.Runtime.GetSandbox(oldSandbox)); // the dead one is removed, not kept beside
    }

    [Fact]
    public async Task Init_containers_run_one_after_another_before_the_app()
    {
        await PlayAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: init }
            spec:
              initContainers:
                - { name: one, image: busybox, command: ["true"] }
                - { name: two, image: busybox, command: ["true"] }
              containers:
                - { name: app, image: busybox, command: ["sleep", "1"] }
            """, wait: false);
        Supervise();

        var one = await UntilAsync("init", s => s.Containers[0].Record?.State == ContainerState.Running);
        Assert.Null(one.Containers[1].Record);
        Assert.Null(one.Containers[2].Record);
        node.Oci.Exit(one.Containers[0].Record!.Id, 0);

        var two = await UntilAsync("init", s => s.Containers[1].Record?.State == ContainerState.Running);
        Assert.Null(two.Containers[2].Record);
        node.Oci.Exit(two.Containers[1].Record!.Id, 0);

        await UntilAsync("init", s => s.Containers[2].Record?.State == ContainerState.Running);
    }

    [Fact]
    public async Task Down_stops_the_containers_and_removes_sandbox_cgroup_and_record()
    {
        var status = await PlayAsync(Pod("web", "Always"));
        var process = node.Oci[status.Containers.Single().Record!.Id].Process;

        await pods.DownAsync(["web"], 0, CancellationToken.None);

        Assert.Null(pods.Find("web"));
        Assert.Empty(node.Runtime.ListSandboxes());
        Assert.Contains(status.Pod.Plan.CgroupParent, node.Cgroups.Removed);
        Assert.False(process.Alive);
        Assert.Empty(node.Oci.All);
    }

    [Fact]
    public async Task After_an_agent_restart_running_pods_are_kept_and_exits_restarted_once()
    {
        var status = await PlayAsync(Pod("web", "Always"));
        var first = status.Containers.Single().Record!;
        node.Oci.Exit(first.Id, 3); // while the agent is down

        node.RestartAgent();
        pods = new PodController(node.Runtime, node.Cgroups, node.Images, Fast, NullLoggerFactory.Instance);
        await pods.RecoverAsync(CancellationToken.None);
        Supervise();

        var after = await UntilAsync("web", s => s.Containers.Single() is { Container.RestartCount: 1, Record.State: ContainerState.Running });
        Assert.Equal(status.Sandbox!.Id, after.Sandbox!.Id);
        Assert.Equal(3, after.Containers.Single().Container.LastState!.ExitCode);
        await Task.Delay(200);
        Assert.Equal(1, (await StatusAsync("web")).Containers.Single().Container.RestartCount);
    }

    private static string Pod(string name, string restartPolicy) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          restartPolicy: {{restartPolicy}}
          containers: [{ name: c, image: busybox, command: ["sleep", "1000"] }]
        """;

    /// <summary>Like berth play; without waiting, like a static pod (the supervisor starts it).</summary>
    private async Task<PodStatus> PlayAsync(string yaml, bool wait = true)
    {
        var set = ManifestReader.ReadText(yaml, "test.yaml");
        return wait
            ? (await pods.PlayAsync(set, TimeSpan.FromSeconds(10), CancellationToken.None)).Pods.Single()
            : await pods.StatusAsync(await pods.AddAsync(set.Pods.Single(), null, CancellationToken.None), CancellationToken.None);
    }

    private void Supervise() => supervisor = pods.SuperviseAsync(stop.Token);

    private async Task<PodStatus> StatusAsync(string name) => await pods.StatusAsync(pods.Find(name)!, CancellationToken.None);

    private async Task<PodStatus> UntilAsync(string name, Func<PodStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        PodStatus status;
        while (!condition(status = await StatusAsync(name)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"pod {name} never got there: phase {status.Phase}, containers {string.Join(", ", status.Containers.Select(c => $"{c.Container.Name}={c.State}/{c.Container.RestartCount}"))}");
            await Task.Delay(20);
        }

        return status;
    }
}
