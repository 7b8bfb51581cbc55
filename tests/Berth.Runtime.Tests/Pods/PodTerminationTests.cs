using Berth.Core.Lifecycle;
using Berth.Core.Manifests;
using Berth.Runtime.Model;
using Berth.Runtime.Pods;
using Berth.Runtime.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Pods;

/// <summary>Eviction of a standalone pod on a fake node: what the kubelet's evictPod and killPod leave behind.</summary>
public sealed class PodTerminationTests : IAsyncLifetime
{
    private const string Message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ";
    private static readonly DateTimeOffset EvictedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly FakeNode node = new();
    private readonly CancellationTokenSource stop = new();
    private PodController pods = null!;
    private Task supervisor = Task.CompletedTask;

    public Task InitializeAsync()
    {
        node.Images.Add("busybox", new Images.ImageConfig([], ["sh"], [], "", "", []));
        pods = new PodController(node.Runtime, node.Cgroups, node.Images, new LifecycleOptions { SyncInterval = TimeSpan.FromMilliseconds(20) }, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await supervisor.ContinueWith(_ => { }, TaskScheduler.Default);
        node.Dispose();
    }

    [Fact]
    public async Task An_evicted_pod_is_Failed_with_reason_Evicted_the_message_a_DisruptionTarget_condition_and_an_event()
    {
        var running = await PlayAsync(Pod("hog", "Always"));
        var container = running.Containers.Single().Record!.Id;

        var annotations = new Dictionary<string, string> { ["offending_containers"] = "c", ["starved_resource"] = "memory" };
        var evicted = await pods.EvictAsync(running.Pod.Uid, Message, 1, EvictedAt, CancellationToken.None, annotations);

        Assert.NotNull(evicted);
        var status = await pods.StatusAsync(pods.Find("hog")!, CancellationToken.None);
        Assert.Equal("Failed", status.Phase);
        Assert.Equal(("Evicted", Message), (status.Pod.Reason, status.Pod.Message));
        var condition = Assert.Single(status.Pod.NodeConditions);
        Assert.Equal(("DisruptionTarget", "True", "TerminationByKubelet", Message, EvictedAt), (condition.Type, condition.Status, condition.Reason, condition.Message, condition.LastTransitionTime));
        var evictedEvent = Assert.Single(status.Pod.Events, e => e is { Type: "Warning", Reason: "Evicted", Message: Message });
        Assert.Equal(annotations, evictedEvent.Annotations);
        Assert.All(status.Pod.Events.Where(e => e != evictedEvent), e => Assert.Null(e.Annotations));
        Assert.Contains(status.Pod.Events, e => e.Reason == "Killing");
        Assert.Equal(ContainerState.Exited, (await node.Runtime.GetContainerAsync(container, CancellationToken.None))!.State);
        Assert.NotEqual(SandboxState.Ready, node.Runtime.GetSandbox(status.Pod.SandboxId!)!.State);
    }

    [Fact]
    public async Task An_evicted_pod_is_Failed_even_when_its_containers_exited_0()
    {
        var running = await PlayAsync(Pod("polite", "Never"));
        node.Oci.Exit(running.Containers.Single().Record!.Id, 0); // as a container that ends cleanly on SIGTERM

        await pods.EvictAsync(running.Pod.Uid, Message, 0, EvictedAt, CancellationToken.None);

        var status = await pods.StatusAsync(pods.Find("polite")!, CancellationToken.None);
        Assert.Equal(0, status.Containers.Single().ExitCode);
        Assert.Equal("Failed", status.Phase);
    }

    [Fact]
    public async Task The_supervisor_does_not_restart_an_evicted_pod_whatever_its_restartPolicy()
    {
        var running = await PlayAsync(Pod("hog", "Always"));
        await pods.EvictAsync(running.Pod.Uid, Message, 1, EvictedAt, CancellationToken.None);
        var calls = node.Oci.Calls.Count(c => c.StartsWith("start ", StringComparison.Ordinal));

        supervisor = pods.SuperviseAsync(stop.Token);
        await pods.RecoverAsync(CancellationToken.None); // an agent restart changes nothing either
        await Task.Delay(200); // ten sync intervals

        Assert.Equal(calls, node.Oci.Calls.Count(c => c.StartsWith("start ", StringComparison.Ordinal)));
        var status = await pods.StatusAsync(pods.Find("hog")!, CancellationToken.None);
        Assert.Equal(("Failed", PodLifecycle.Finished), (status.Phase, status.Pod.Lifecycle));
        Assert.All(status.Containers, c => Assert.NotEqual(ContainerRunState.Running, c.State));
    }

    [Fact]
    public async Task The_evicted_pods_record_stays_until_it_is_removed()
    {
        var running = await PlayAsync(Pod("hog", "Always"));
        await pods.EvictAsync(running.Pod.Uid, Message, 1, EvictedAt, CancellationToken.None);

        Assert.Contains(await pods.ListAsync(CancellationToken.None), s => s.Pod.Name == "hog" && s.Phase == "Failed");
        Assert.Equal(["default/hog"], await pods.DownAsync(["hog"], 0, CancellationToken.None));
        Assert.Null(pods.Find("hog"));
    }

    [Fact]
    public async Task Static_and_critical_pods_are_never_evicted()
    {
        var set = ManifestReader.ReadText(Pod("etcd", "Always"), "etcd.yaml");
        var staticPod = await pods.AddAsync(set.Pods.Single(), "file:/etc/berth/manifests/etcd.yaml", CancellationToken.None);
        var critical = await PlayAsync(Pod("dns", "Always", "  priorityClassName: system-cluster-critical\n  priority: 2000000000\n"));

        Assert.Null(await pods.EvictAsync(staticPod.Uid, Message, 1, EvictedAt, CancellationToken.None));
        Assert.Null(await pods.EvictAsync(critical.Pod.Uid, Message, 1, EvictedAt, CancellationToken.None));
        Assert.All([pods.Find("etcd")!, pods.Find("dns")!], p => Assert.Equal((PodLifecycle.Active, null), (p.Lifecycle, p.Reason)));
    }

    [Fact]
    public async Task A_pod_already_ended_or_gone_is_not_evicted()
    {
        Assert.Null(await pods.EvictAsync("no-such-uid", Message, 1, EvictedAt, CancellationToken.None));

        var running = await PlayAsync(Pod("hog", "Always"));
        Assert.NotNull(await pods.EvictAsync(running.Pod.Uid, Message, 1, EvictedAt, CancellationToken.None));
        Assert.Null(await pods.EvictAsync(running.Pod.Uid, "again", 1, EvictedAt, CancellationToken.None));
        Assert.Equal(Message, pods.Find("hog")!.Message);
    }

    [Fact]
    public async Task Disk_reclaim_removes_the_dead_containers_of_finished_pods_and_keeps_their_last_state()
    {
        var hog = await PlayAsync(Pod("hog", "Always"));
        var dead = hog.Containers.Single().Record!.Id;
        var steady = await PlayAsync(Pod("steady", "Always"));
        var live = steady.Containers.Single().Record!.Id;
        await pods.EvictAsync(hog.Pod.Uid, Message, 0, EvictedAt, CancellationToken.None);
        var before = await pods.StatusAsync(pods.Find("hog")!, CancellationToken.None);

        Assert.Equal(1, await pods.DeleteDeadContainersAsync(CancellationToken.None));

        Assert.Null(await node.Runtime.GetContainerAsync(dead, CancellationToken.None));
        Assert.Equal(ContainerState.Running, (await node.Runtime.GetContainerAsync(live, CancellationToken.None))!.State);
        var after = await pods.StatusAsync(pods.Find("hog")!, CancellationToken.None);
        Assert.Equal(("Failed", "Evicted"), (after.Phase, after.Pod.Reason));
        Assert.Equal(before.Containers.Single().ExitCode, after.Containers.Single().ExitCode);
        Assert.Equal(ContainerRunState.Exited, after.Containers.Single().State);
        Assert.Equal(0, await pods.DeleteDeadContainersAsync(CancellationToken.None)); // nothing left to remove
    }

    private static string Pod(string name, string restartPolicy, string extra = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}} }
        spec:
          restartPolicy: {{restartPolicy}}
          containers: [{ name: c, image: busybox, command: ["sleep", "1000"] }]
        {{extra}}
        """;

    private async Task<PodStatus> PlayAsync(string yaml) =>
        (await pods.PlayAsync(ManifestReader.ReadText(yaml, "test.yaml"), TimeSpan.FromSeconds(10), CancellationToken.None)).Pods.Single();
}
