using Berth.Core.Planning;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

public class OomScoreAdjTests
{
    private static int Score(string containers, long capacity, string name = "a", string init = "", string specExtra = "")
    {
        var plan = PodPlanner.Plan(With(containers, init, specExtra), NodeFacts.Default(1, capacity));
        return plan.Containers.Single(c => c.Name == name).OomScoreAdj;
    }

    [Fact]
    public void Guaranteed_is_minus_997() => Assert.Equal(-997, Score(C("a", limits: "cpu: 1, memory: 1Gi"), 8L << 30));

    [Fact]
    public void BestEffort_is_1000() => Assert.Equal(1000, Score(C("a"), 8L << 30));

    [Theory]
    [InlineData("1Gi", 4L << 30, 750)] // 1000 - 1000*1/4
    [InlineData("2Gi", 8L << 30, 750)]
    [InlineData("100Mi", 1000L << 20, 900)]
    [InlineData("999Mi", 1000L << 20, 3)] // 1000 - 999 = 1 → at least 3
    [InlineData("2Gi", 1L << 30, 3)] // request above capacity → 3
    [InlineData("1", 8L << 30, 999)] // 1000 - 0 = 1000 → 999, below BestEffort
    public void Burstable_follows_the_memory_request(string request, long capacity, int expected) =>
        Assert.Equal(expected, Score(C("a", requests: $"memory: {request}"), capacity));

    [Fact]
    public void Burstable_without_memory_request_is_999() => Assert.Equal(999, Score(C("a", requests: "cpu: 100m"), 8L << 30));

    [Fact]
    public void Node_critical_pods_are_treated_as_guaranteed() =>
        Assert.Equal(-997, Score(C("a", requests: "cpu: 100m"), 8L << 30, specExtra: "  priorityClassName: system-node-critical"));

    [Fact]
    public void Sidecar_scores_no_higher_than_the_smallest_app_container()
    {
        // app asks 2Gi of 8Gi → 750; the sidecar asks 100Mi → 988 on its own, lowered to 750.
        var containers = C("app", requests: "memory: 2Gi");
        var sidecar = C("sidecar", requests: "memory: 100Mi", extra: "restartPolicy: Always");
        Assert.Equal(750, Score(containers, 8L << 30, "sidecar", init: sidecar));
        Assert.Equal(988, Score(containers, 8L << 30, "plain", init: C("plain", requests: "memory: 100Mi")));
    }

    [Fact]
    public void Infra_process_constant() => Assert.Equal(-998, OomScoreAdj.Infra);
}
