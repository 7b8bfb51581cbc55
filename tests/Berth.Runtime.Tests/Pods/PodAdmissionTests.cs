using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Images;
using Berth.Images.Registry;
using Berth.Runtime.Pods;
using Berth.Runtime.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Pods;

/// <summary>Admission reserves a pod's name and uid, never a global lock: one pod's slow image pull holds only that pod.</summary>
public sealed class PodAdmissionTests : IDisposable
{
    private const string Hanging = "registry.test/hang:1";

    private readonly FakeNode node = new();
    private readonly PodController pods;
    private readonly PodRecords records;
    private readonly PodAdmission admission;

    public PodAdmissionTests()
    {
        node.Images.Add("busybox", new ImageConfig([], ["sh"], [], "", "", []));
        pods = new PodController(node.Runtime, node.Cgroups, node.Images, new LifecycleOptions { SyncInterval = TimeSpan.FromMilliseconds(20) }, NullLoggerFactory.Instance);
        records = new PodRecords(Path.Combine(node.Dir, "admission"));
        admission = new PodAdmission(records, new NodeSecurityOptions());
    }

    public void Dispose() => node.Dispose();

    [Fact]
    public void Reservations_of_different_pods_do_not_block_each_other()
    {
        using var a = admission.Admit(Plans(Pod("a")));
        using var b = admission.Admit(Plans(Pod("b"))); // while a is still held

        Assert.NotSame(a, b);
    }

    [Fact]
    public void A_reserved_name_or_uid_is_refused_with_the_duplicate_error()
    {
        using var held = admission.Admit(Plans(Pod("web", uid: "uid-1")));

        var sameName = Assert.Throws<ValidationException>(() => admission.Admit(Plans(Pod("web", uid: "uid-2"))));
        Assert.Contains(sameName.Errors, e => e.Path == "metadata.name" && e.Message == "Duplicate value: pod default/web already exists");
        var sameUid = Assert.Throws<ValidationException>(() => admission.Admit(Plans(Pod("other", uid: "uid-1"))));
        Assert.Contains(sameUid.Errors, e => e.Path == "metadata.uid" && e.Message == "Duplicate value: a pod with uid uid-1 already exists");
    }

    [Fact]
    public void A_refused_set_reserves_nothing_and_a_released_reservation_frees_the_name()
    {
        using (admission.Admit(Plans(Pod("web"))))
        {
            Assert.Throws<ValidationException>(() => admission.Admit(Plans(Pod("free"), Pod("web"))));
        }

        using var free = admission.Admit(Plans(Pod("free"))); // the refused set did not keep "free"
        using var again = admission.Admit(Plans(Pod("web"))); // released by Dispose
    }

    [Fact]
    public async Task A_hung_image_pull_does_not_block_admission_and_creation_of_another_pod()
    {
        node.Images.Pull = async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };
        using var cancelA = new CancellationTokenSource();
        var playA = PlayAsync(Pod("a", image: Hanging), cancelA.Token);

        var b = await PlayAsync(Pod("b")).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("Running", b.Phase);
        Assert.False(playA.IsCompleted);
        var duplicate = await Assert.ThrowsAsync<ValidationException>(() => PlayAsync(Pod("a")));
        Assert.Contains(duplicate.Errors, e => e.Message == "Duplicate value: pod default/a already exists");

        await cancelA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => playA);
        Assert.Equal("Running", (await PlayAsync(Pod("a"))).Phase); // the cancelled play gave its name back
    }

    [Fact]
    public async Task A_failed_play_releases_its_reservation()
    {
        node.Images.Pull = (reference, _) => throw new RegistryException(RegistryErrorKind.NotFound, $"{reference}: manifest unknown");

        var failed = await Assert.ThrowsAsync<ValidationException>(() => PlayAsync(Pod("web", image: Hanging)));

        Assert.Contains(failed.Errors, e => e.Path == "spec.containers[0].image");
        Assert.Null(pods.Find("web"));
        Assert.Equal("Running", (await PlayAsync(Pod("web"))).Phase);
    }

    [Fact]
    public void Under_memory_pressure_only_BestEffort_pods_are_refused()
    {
        var pressure = Pressure("MemoryPressure");
        var underPressure = new PodAdmission(records, new NodeSecurityOptions(), pressure: () => pressure.PressureConditions);

        var refused = Assert.Throws<ValidationException>(() => underPressure.Admit(Plans(Pod("besteffort"))));
        var error = Assert.Single(refused.Errors);
        Assert.Equal(("test.yaml", "", "Evicted: The node had condition: [MemoryPressure]."), (error.Source, error.Path, error.Message));
        using var burstable = underPressure.Admit(Plans(Pod("burstable", requests: "memory: 64Mi")));
    }

    [Fact]
    public void Under_disk_pressure_every_pod_is_refused_but_static_and_critical_pods()
    {
        var pressure = Pressure("MemoryPressure", "DiskPressure");
        var underPressure = new PodAdmission(records, new NodeSecurityOptions(), pressure: () => pressure.PressureConditions);

        var refused = Assert.Throws<ValidationException>(() => underPressure.Admit(Plans(Pod("burstable", requests: "memory: 64Mi"))));
        Assert.Equal("Evicted: The node had condition: [MemoryPressure DiskPressure].", Assert.Single(refused.Errors).Message);
        using var staticPod = underPressure.Admit(Plans(Pod("static")), isStatic: true);
        using var critical = underPressure.Admit(Plans(Pod("critical", priority: 2_000_000_000)));
    }

    [Fact]
    public async Task Play_is_refused_while_the_node_is_under_pressure_and_admitted_once_it_is_not()
    {
        pods.Pressure.Update(Pressure("DiskPressure").Conditions, DateTimeOffset.UtcNow);

        var refused = await Assert.ThrowsAsync<ValidationException>(() => PlayAsync(Pod("web")));

        Assert.Contains(refused.Errors, e => e.Message == "Evicted: The node had condition: [DiskPressure].");
        Assert.Null(pods.Find("web"));
        pods.Pressure.Update(Pressure().Conditions, DateTimeOffset.UtcNow);
        Assert.Equal("Running", (await PlayAsync(Pod("web"))).Phase);
    }

    private static NodePressure Pressure(params string[] types)
    {
        var pressure = new NodePressure();
        pressure.Update([.. Core.Eviction.EvictionSignals.Conditions.Select(t => new Core.Eviction.NodePressureCondition(t, types.Contains(t), DateTimeOffset.UtcNow))], DateTimeOffset.UtcNow);
        return pressure;
    }

    private static string Pod(string name, string image = "busybox", string? uid = null, string? requests = null, int? priority = null) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}}{{(uid is null ? "" : $", uid: {uid}")}} }
        spec:
          {{(priority is null ? "" : $"priority: {priority}")}}
          containers: [{ name: c, image: {{image}}, command: ["sleep", "1000"]{{(requests is null ? "" : $", resources: {{ requests: {{ {requests} }} }}")}} }]
        """;

    private static List<(PodManifest, PodPlan)> Plans(params string[] yaml) =>
        [.. yaml.Select(y => ManifestReader.ReadText(y, "test.yaml").Pods.Single()).Select(m => (m, PodPlanner.Plan(m, NodeFacts.Default(2, 1L << 30))))];

    private async Task<PodStatus> PlayAsync(string yaml, CancellationToken ct = default) =>
        (await pods.PlayAsync(ManifestReader.ReadText(yaml, "test.yaml"), TimeSpan.FromSeconds(10), ct)).Pods.Single();
}
