using Berth.Core.Planning;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

public class PodPlannerTests
{
    private static readonly NodeFacts V1Node = NodeFacts.Default(cgroupVersion: 1, memoryCapacity: 8L << 30);

    private static PodPlan Plan(string containers, string init = "", string specExtra = "", NodeFacts? node = null) =>
        PodPlanner.Plan(With(containers, init, specExtra), node ?? V1Node);

    [Fact]
    public void Guaranteed_pod_gets_shares_quota_period_and_memory()
    {
        var plan = Plan(C("a", limits: "cpu: 500m, memory: 256Mi") + "\n" + C("b", limits: "cpu: 250m, memory: 128Mi"));
        Assert.Equal(QosClass.Guaranteed, plan.QosClass);
        Assert.Equal("/kubepods/pod11111111-2222-3333-4444-555555555555", plan.CgroupParent);
        Assert.Equal(768, plan.CpuShares); // 750m
        Assert.Equal(75000, plan.CpuQuota);
        Assert.Equal(100000, plan.CpuPeriod);
        Assert.Equal(384L << 20, plan.MemoryLimit);
        Assert.Equal(CgroupMath.SharesToWeight(768), plan.CpuWeight);
    }

    [Theory]
    [InlineData(CpuWeightFormula.Linear, 39)]
    [InlineData(CpuWeightFormula.Quadratic, 100)]
    public void Cpu_weight_is_in_the_nodes_formula(CpuWeightFormula formula, long weight)
    {
        var node = NodeFacts.Default(cgroupVersion: 2, memoryCapacity: 8L << 30) with { WeightFormula = formula };
        var plan = Plan(C("a", limits: "cpu: 1, memory: 256Mi"), node: node);
        Assert.Equal(1024, plan.CpuShares);
        Assert.Equal(weight, plan.CpuWeight);
    }

    [Fact]
    public void Burstable_pod_gets_quota_only_when_every_app_container_has_a_cpu_limit()
    {
        var plan = Plan(C("a", "cpu: 100m", "cpu: 200m") + "\n" + C("b", "cpu: 100m, memory: 64Mi", "memory: 128Mi"));
        Assert.Equal(QosClass.Burstable, plan.QosClass);
        Assert.Equal(204, plan.CpuShares); // Σ requests 200m
        Assert.Null(plan.CpuQuota); // b has no cpu limit
        Assert.Null(plan.CpuPeriod);
        Assert.Null(plan.MemoryLimit); // a has no memory limit
    }

    [Fact]
    public void Burstable_pod_with_all_limits_gets_quota_and_memory()
    {
        var plan = Plan(C("a", "cpu: 100m, memory: 64Mi", "cpu: 200m, memory: 128Mi") + "\n" + C("b", "cpu: 100m, memory: 32Mi", "cpu: 300m, memory: 64Mi"));
        Assert.Equal(50000, plan.CpuQuota);
        Assert.Equal(192L << 20, plan.MemoryLimit);
    }

    [Fact]
    public void BestEffort_pod_gets_minimum_shares_and_nothing_else()
    {
        var plan = Plan(C("a"));
        Assert.Equal("/kubepods/besteffort/pod11111111-2222-3333-4444-555555555555", plan.CgroupParent);
        Assert.Equal(2, plan.CpuShares);
        Assert.Equal(1, plan.CpuWeight);
        Assert.Null(plan.CpuQuota);
        Assert.Null(plan.MemoryLimit);
    }

    [Fact]
    public void Init_container_larger_than_the_app_sum_sets_the_pod_values()
    {
        // app sum: 300m / 300Mi; the init container alone asks 1 cpu / 1Gi → the max wins.
        var plan = Plan(
            C("a", limits: "cpu: 100m, memory: 100Mi") + "\n" + C("b", limits: "cpu: 200m, memory: 200Mi"),
            C("init", limits: "cpu: 1, memory: 1Gi"));
        Assert.Equal(QosClass.Guaranteed, plan.QosClass);
        Assert.Equal(1024, plan.CpuShares);
        Assert.Equal(100000, plan.CpuQuota);
        Assert.Equal(1L << 30, plan.MemoryLimit);
    }

    [Fact]
    public void Init_container_smaller_than_the_app_sum_changes_nothing()
    {
        var plan = Plan(
            C("a", limits: "cpu: 600m, memory: 600Mi") + "\n" + C("b", limits: "cpu: 600m, memory: 600Mi"),
            C("init", limits: "cpu: 1, memory: 1Gi"));
        Assert.Equal(1228, plan.CpuShares); // 1200m
        Assert.Equal(120000, plan.CpuQuota);
        Assert.Equal(1200L << 20, plan.MemoryLimit);
    }

    [Fact]
    public void Sidecar_requests_add_to_the_app_sum_and_to_later_init_containers()
    {
        // sidecar 100m runs beside app 200m → 300m; the later init container needs 500m + 100m = 600m → max.
        var plan = Plan(
            C("app", requests: "cpu: 200m"),
            C("sidecar", requests: "cpu: 100m", extra: "restartPolicy: Always") + "\n" + C("migrate", requests: "cpu: 500m"));
        Assert.Equal(CgroupMath.MilliCpuToShares(600), plan.CpuShares);
    }

    [Fact]
    public void Container_values_follow_calculateLinuxResources()
    {
        var plan = Plan(C("a", "cpu: 10m, memory: 10Mi", "cpu: 999m, memory: 20Mi") + "\n" + C("b", limits: "cpu: 1m"));
        var a = plan.Containers.Single(c => c.Name == "a");
        Assert.Equal(10, a.CpuShares);
        Assert.Equal(99900, a.CpuQuota);
        Assert.Equal(100000, a.CpuPeriod);
        Assert.Equal(20L << 20, a.MemoryLimit);
        var b = plan.Containers.Single(c => c.Name == "b");
        Assert.Equal(2, b.CpuShares); // request defaults to the 1m limit → 1 share → clamped to 2
        Assert.Equal(1000, b.CpuQuota); // 100 µs raised to the minimum
        Assert.Null(b.MemoryLimit);
    }

    [Fact]
    public void Container_without_cpu_gets_min_shares_and_no_quota()
    {
        var c = Plan(C("a", requests: "memory: 1Mi")).Containers.Single();
        Assert.Equal(2, c.CpuShares);
        Assert.Null(c.CpuQuota);
        Assert.Null(c.CpuPeriod);
    }

    [Fact]
    public void Init_containers_are_listed_first_and_marked()
    {
        var plan = Plan(C("app"), C("init"));
        Assert.Equal(["init", "app"], plan.Containers.Select(c => c.Name));
        Assert.True(plan.Containers[0].Init);
        Assert.False(plan.Containers[1].Init);
    }

    [Fact]
    public void Pids_limit_comes_from_the_node()
    {
        Assert.Null(Plan(C("a")).PidsLimit);
        Assert.Equal(50, Plan(C("a"), node: V1Node with { PodPidsLimit = 50 }).PidsLimit);
        Assert.Null(Plan(C("a"), node: V1Node with { PodPidsLimit = -1 }).PidsLimit);
    }

    [Fact]
    public void Pod_without_uid_gets_a_fresh_one_and_default_namespace()
    {
        var manifest = Read("""
            apiVersion: v1
            kind: Pod
            metadata: { name: nouid }
            spec:
              containers: [{ name: a, image: busybox }]
            """);
        var first = PodPlanner.Plan(manifest, V1Node);
        var second = PodPlanner.Plan(manifest, V1Node);
        Assert.True(Guid.TryParse(first.Uid, out _));
        Assert.NotEqual(first.Uid, second.Uid);
        Assert.Equal("default", first.Namespace);
        Assert.EndsWith("pod" + first.Uid, first.CgroupParent);
    }
}
