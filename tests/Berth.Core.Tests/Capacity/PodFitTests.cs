using Berth.Core.Capacity;
using k8s.Models;

namespace Berth.Core.Tests.Capacity;

public class PodFitTests
{
    private static readonly NodeInfo Node = new(
        "node-a",
        new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a", ["disk"] = "ssd", ["zone"] = "3" },
        [],
        new NodeResources(MilliCpu: 1900, Memory: 1024L * 1024 * 1024, Pids: 1000, EphemeralStorage: 10L * 1024 * 1024 * 1024),
        MaxPods: 3);

    private static V1Pod Pod(string containers, string specExtra = "") => Pods.With(containers, specExtra: specExtra).Pod;

    private static IReadOnlyList<AdmissionRejection> Check(V1Pod pod, NodeInfo? node = null, bool isStatic = false, params V1Pod[] others) =>
        PodFit.Check(pod, [.. others.Select(o => o.Spec)], node ?? Node, isStatic);

    [Fact]
    public void A_pod_that_fits_is_admitted() =>
        Assert.Empty(Check(Pod(Pods.C("a", "cpu: 1, memory: 512Mi")), others: Pod(Pods.C("b", "cpu: 900m"))));

    [Theory]
    [InlineData("cpu: 2", "OutOfcpu", "Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1900")]
    [InlineData("memory: 2Gi", "OutOfmemory", "Node didn't have enough resource: memory, requested: 2147483648, used: 0, capacity: 1073741824")]
    [InlineData("ephemeral-storage: 20Gi", "OutOfephemeral-storage", "Node didn't have enough resource: ephemeral-storage, requested: 21474836480, used: 0, capacity: 10737418240")]
    [InlineData("example.com/gpu: 1", "OutOfexample.com/gpu", "Node didn't have enough resource: example.com/gpu, requested: 1, used: 0, capacity: 0")]
    public void Requests_beyond_allocatable_are_refused_with_the_kubelets_reason(string requests, string reason, string message)
    {
        var rejection = Assert.Single(Check(Pod(Pods.C("a", requests, requests.StartsWith("example", StringComparison.Ordinal) ? requests : null))));
        Assert.Equal(reason, rejection.Reason);
        Assert.Equal(message, rejection.Message);
    }

    [Fact]
    public void What_other_pods_request_counts_as_used()
    {
        var rejection = Assert.Single(Check(Pod(Pods.C("a", "cpu: 1")), others: Pod(Pods.C("b", "cpu: 1"))));
        Assert.Equal("Node didn't have enough resource: cpu, requested: 1000, used: 1000, capacity: 1900", rejection.Message);
    }

    [Fact]
    public void Max_pods_is_a_resource_too()
    {
        var other = Pod(Pods.C("b"));
        var rejection = Assert.Single(Check(Pod(Pods.C("a")), others: [other, other, other]));
        Assert.Equal(("OutOfpods", "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3"), (rejection.Reason, rejection.Message));
    }

    [Theory]
    [InlineData("  nodeName: node-b", "NodeName", "Predicate NodeName failed: node(s) didn't match the requested node name")]
    [InlineData("  nodeSelector: { disk: hdd }", "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")]
    [InlineData("  nodeSelector: { gpu: \"yes\" }", "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")]
    public void A_pod_meant_for_another_node_is_refused(string specExtra, string reason, string message)
    {
        var rejection = Assert.Single(Check(Pod(Pods.C("a"), specExtra)));
        Assert.Equal((reason, message), (rejection.Reason, rejection.Message));
    }

    [Theory]
    [InlineData("In", "[ssd, nvme]", true)]
    [InlineData("In", "[hdd]", false)]
    [InlineData("NotIn", "[hdd]", true)]
    [InlineData("Exists", null, true)]
    [InlineData("DoesNotExist", null, false)]
    public void Required_node_affinity_matches_labels(string op, string? values, bool admitted)
    {
        var affinity = $$"""
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                      - matchExpressions:
                          - { key: disk, operator: {{op}}{{(values is null ? "" : $", values: {values}")}} }
            """;
        Assert.Equal(admitted, Check(Pod(Pods.C("a"), affinity)).Count == 0);
    }

    [Theory]
    [InlineData("Gt", "2", true)]
    [InlineData("Gt", "3", false)]
    [InlineData("Lt", "4", true)]
    public void Gt_and_lt_compare_integers(string op, string value, bool admitted)
    {
        var affinity = $$"""
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                      - matchExpressions: [{ key: zone, operator: {{op}}, values: ["{{value}}"] }]
                      - matchFields: [{ key: metadata.name, operator: In, values: [node-z] }]
            """;
        Assert.Equal(admitted, Check(Pod(Pods.C("a"), affinity)).Count == 0);
    }

    [Fact]
    public void Taints_need_tolerations_except_for_static_pods()
    {
        var tainted = Node with { Taints = [new V1Taint { Key = "dedicated", Value = "infra", Effect = "NoSchedule" }] };
        var rejection = Assert.Single(Check(Pod(Pods.C("a")), tainted));
        Assert.Equal("Predicate TaintToleration failed: node(s) had untolerated taint(s)", rejection.Message);
        Assert.Empty(Check(Pod(Pods.C("a")), tainted, isStatic: true));
        Assert.Empty(Check(Pod(Pods.C("a"), "  tolerations: [{ key: dedicated, operator: Equal, value: infra, effect: NoSchedule }]"), tainted));
        Assert.Empty(Check(Pod(Pods.C("a"), "  tolerations: [{ operator: Exists }]"), tainted));
        Assert.Single(Check(Pod(Pods.C("a"), "  tolerations: [{ key: dedicated, value: other }]"), tainted));
        var soft = Node with { Taints = [new V1Taint { Key = "x", Effect = "PreferNoSchedule" }] };
        Assert.Empty(Check(Pod(Pods.C("a")), soft));
    }

    [Fact]
    public void A_host_port_another_pod_holds_is_refused()
    {
        var holder = Pod(Pods.C("b", extra: "ports: [{ containerPort: 80, hostPort: 8080 }]"));
        var rejection = Assert.Single(Check(Pod(Pods.C("a", extra: "ports: [{ containerPort: 81, hostPort: 8080 }]")), others: holder));
        Assert.Equal(("NodePorts", "spec.containers[0].ports[0].hostPort"), (rejection.Reason, rejection.Path));
        Assert.Empty(Check(Pod(Pods.C("a", extra: "ports: [{ containerPort: 81, hostPort: 8080, protocol: UDP }]")), others: holder));
    }

    [Theory]
    [InlineData("dedicated=infra:NoSchedule", "dedicated", "infra", "NoSchedule")]
    [InlineData("node.example.com/drain:NoExecute", "node.example.com/drain", null, "NoExecute")]
    public void Taints_are_read_in_the_kubelets_flag_syntax(string text, string key, string? value, string effect)
    {
        var errors = new List<string>();
        var taint = Tolerations.ParseTaint(text, "--register-with-taints", errors)!;
        Assert.Empty(errors);
        Assert.Equal((key, value, effect), (taint.Key, taint.Value, taint.Effect));
    }

    [Theory]
    [InlineData("a=b:Sometimes")]
    [InlineData("no-effect")]
    [InlineData("-bad-=x:NoSchedule")]
    public void Bad_taints_are_errors(string text)
    {
        var errors = new List<string>();
        Assert.Null(Tolerations.ParseTaint(text, "--register-with-taints", errors));
        Assert.Single(errors);
    }
}
