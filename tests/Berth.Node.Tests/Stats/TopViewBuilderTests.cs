using Berth.Node.Stats;

namespace Berth.Node.Tests.Stats;

public class TopViewBuilderTests
{
    private static readonly TopCondition[] Conditions =
    [
        new("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        new("Ready", "True", "KubeletReady", "berth is posting ready status"),
    ];

    private static TopPodFacts WebFacts(string phase = "Running") => new(
        Snapshots.PodUid,
        "shop",
        "web",
        phase,
        "Burstable",
        [new TopContainerFacts("setup", Init: true, RestartCount: 0), new TopContainerFacts("nginx", false, 2), new TopContainerFacts("sidecar", false, 5)]);

    /// <summary>Ten seconds between passes: 4 s more of node CPU is 0.4 cores, and so on.</summary>
    private static TopView TwoPasses(params TopPodFacts[] facts)
    {
        var previous = Snapshots.Build(Snapshots.Now.AddSeconds(-10), podCpu: 1_000_000_000, containerCpu: 1_000_000_000, nodeCpu: 86_000_000_000);
        var current = Snapshots.Build();
        return TopViewBuilder.Build(current, CpuRates.Between(previous, current), Conditions, facts);
    }

    [Fact]
    public void Cores_are_the_summary_apis_usage_nano_cores_over_a_billion()
    {
        var view = TwoPasses(WebFacts());

        Assert.Equal(0.4, view.Node.CpuCores!.Value, 6);
        var pod = Assert.Single(view.Pods);
        Assert.Equal(0.3, pod.CpuCores!.Value, 6);
        Assert.Equal(0.2, pod.Containers.Single(c => c.Name == "nginx").CpuCores!.Value, 6);
        Assert.Equal(Snapshots.Now, view.Time);
    }

    [Fact]
    public void On_the_first_pass_there_is_no_rate_yet()
    {
        var view = TopViewBuilder.Build(Snapshots.Build(), CpuRates.None, Conditions, [WebFacts()]);

        Assert.Null(view.Node.CpuCores);
        Assert.Null(view.Pods[0].CpuCores);
        Assert.Equal(6_000_000UL, view.Pods[0].WorkingSetBytes);
    }

    [Fact]
    public void Memory_psi_and_node_figures_come_from_the_pass()
    {
        var view = TwoPasses(WebFacts());

        Assert.Equal(("node-a", 2_000_000_000UL, 8_000_000_000UL), (view.Node.Name, view.Node.MemoryWorkingSetBytes, view.Node.MemoryCapacityBytes));
        Assert.Equal(new TopPsi(1.5, 0, 0, 0), view.Node.Psi);
        Assert.Equal(Conditions, view.Node.Conditions);
        var nginx = view.Pods[0].Containers.Single(c => c.Name == "nginx");
        Assert.Equal((5_000_100UL, 5_000_000UL), (nginx.MemoryUsageBytes!.Value, nginx.WorkingSetBytes!.Value));
        Assert.Equal(new TopPsi(1.5, 0, 0, 0), nginx.Psi);
        Assert.Equal(Snapshots.ContainerId, nginx.Id);
    }

    [Fact]
    public void Restarts_are_the_records_and_containers_not_running_are_listed_without_numbers()
    {
        var pod = Assert.Single(TwoPasses(WebFacts()).Pods);

        Assert.Equal(("Running", "Burstable", 7), (pod.Phase, pod.QosClass, pod.Restarts));
        Assert.Equal(["nginx", "sidecar"], pod.Containers.Select(c => c.Name));
        Assert.Equal(2, pod.Containers[0].RestartCount);
        var waiting = pod.Containers[1];
        Assert.Equal((5, "", null, null), (waiting.RestartCount, waiting.Id, waiting.CpuCores, waiting.Psi));
    }

    [Fact]
    public void A_cri_pod_without_a_record_shows_the_samples_restarts_and_a_blank_phase()
    {
        var pod = Assert.Single(TwoPasses().Pods);

        Assert.Equal(("", "", 1), (pod.Phase, pod.QosClass, pod.Restarts));
        Assert.Equal(1, Assert.Single(pod.Containers).RestartCount);
    }

    [Fact]
    public void A_pod_not_yet_sampled_is_listed_while_pending_or_running_but_not_once_it_ended()
    {
        var pending = new TopPodFacts("uid-new", "shop", "fresh", "Pending", "BestEffort", [new TopContainerFacts("app", false, 0)]);
        var ended = new TopPodFacts("uid-old", "shop", "gone", "Succeeded", "BestEffort", [new TopContainerFacts("app", false, 0)]);

        var view = TwoPasses(WebFacts(), pending, ended);

        Assert.Equal(["web", "fresh"], view.Pods.Select(p => p.Name));
        var fresh = view.Pods[1];
        Assert.Equal(("Pending", null, null), (fresh.Phase, fresh.CpuCores, fresh.WorkingSetBytes));
        Assert.Equal("app", Assert.Single(fresh.Containers).Name);
    }

    [Fact]
    public void A_namespace_keeps_only_its_pods()
    {
        var other = new TopPodFacts("uid-x", "ops", "probe", "Running", "BestEffort", []);
        var view = TwoPasses(WebFacts(), other);

        Assert.Equal(["probe"], view.InNamespace("ops").Pods.Select(p => p.Name));
        Assert.Equal(2, view.InNamespace("").Pods.Count);
    }

    [Fact]
    public void The_json_round_trips_with_camel_case_names_and_nulls_kept()
    {
        var view = TopViewBuilder.Build(Snapshots.Build(), CpuRates.None, Conditions, [WebFacts()]);

        var json = view.ToJson();

        Assert.Contains("\"workingSetBytes\": 6000000", json, StringComparison.Ordinal);
        Assert.Contains("\"cpuCores\": null", json, StringComparison.Ordinal);
        Assert.Contains("\"memoryFullAvg10\": 0", json, StringComparison.Ordinal);
        Assert.Contains("\"restartCount\": 2", json, StringComparison.Ordinal);
        var back = TopView.FromJson(json);
        Assert.Equal(view.Pods[0].Containers, back.Pods[0].Containers);
        Assert.Equal(view.Node.Conditions, back.Node.Conditions);
    }
}
