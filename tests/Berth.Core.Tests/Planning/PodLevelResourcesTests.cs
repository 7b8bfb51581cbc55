using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Core.Validation;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

/// <summary>KEP-2837 pod-level resources: defaulting, QoS, the pod and container cgroups,
/// oom_score_adj, the API server's checks and the v1 refusal.</summary>
public class PodLevelResourcesTests
{
    private static readonly NodeFacts V2Node = NodeFacts.Default(cgroupVersion: 2, memoryCapacity: 8L << 30);

    private static string Pod(string resources) => $"  resources: {{ {resources} }}";

    private static PodManifest Manifest(string containers, string resources, string init = "") => With(containers, init, Pod(resources));

    [Fact]
    public void A_pod_level_limit_without_a_request_defaults_the_request_to_the_limit()
    {
        var spec = Manifest(C("a") + "\n" + C("b"), "limits: { cpu: '1', memory: 1Gi }").Pod.Spec;

        Assert.Equal(1m, PodLevelResources.Requests(spec)[ResourceList.Cpu]);
        Assert.Equal(1L << 30, PodLevelResources.Requests(spec).MemoryBytes);
        Assert.Equal(QosClass.Guaranteed, QosClassifier.Classify(spec));
    }

    [Fact]
    public void A_pod_level_limit_with_container_requests_defaults_the_request_to_their_sum()
    {
        var spec = Manifest(C("a", "memory: 100Mi") + "\n" + C("b", "memory: 50Mi"), "limits: { memory: 1Gi }").Pod.Spec;

        Assert.Equal(150L << 20, PodLevelResources.Requests(spec).MemoryBytes);
        Assert.Equal(QosClass.Burstable, QosClassifier.Classify(spec));
    }

    public static TheoryData<string, string, string, QosClass> QosCases => new()
    {
        { "pod requests equal limits, containers bare", C("a"), "requests: { cpu: '1', memory: 1Gi }, limits: { cpu: '1', memory: 1Gi }", QosClass.Guaranteed },
        { "pod requests only", C("a"), "requests: { cpu: '1', memory: 1Gi }", QosClass.Burstable },
        { "pod sets memory, the container's equal cpu values decide cpu", C("a", limits: "cpu: 1"), "limits: { memory: 1Gi }", QosClass.Guaranteed },
        { "a container memory request defaults the pod's below its limit", C("a", limits: "cpu: 1, memory: 100Mi"), "limits: { memory: 1Gi }", QosClass.Burstable },
        { "pod sets memory, a bare container leaves cpu unguaranteed", C("a", limits: "memory: 100Mi"), "limits: { memory: 1Gi }", QosClass.Burstable },
        { "pod cpu request below its limit, container memory guaranteed", C("a", limits: "memory: 1Gi"), "requests: { cpu: 500m }, limits: { cpu: '1' }", QosClass.Burstable },
    };

    [Theory]
    [MemberData(nameof(QosCases))]
    public void Pod_level_values_decide_the_qos_class_for_the_resources_they_set(string because, string containers, string resources, QosClass expected) =>
        Assert.True(expected == QosClassifier.Classify(Manifest(containers, resources).Pod.Spec), because);

    [Fact]
    public void The_pod_cgroup_takes_the_pod_level_request_and_limits_and_bare_containers_the_pod_limit()
    {
        var plan = PodPlanner.Plan(Manifest(C("a", "cpu: 100m", "cpu: 200m") + "\n" + C("b"), "requests: { cpu: 500m, memory: 256Mi }, limits: { cpu: '1', memory: 512Mi }"), V2Node);

        Assert.Equal(QosClass.Burstable, plan.QosClass);
        Assert.Equal(CgroupMath.MilliCpuToShares(500), plan.CpuShares);
        Assert.Equal(100000, plan.CpuQuota);
        Assert.Equal(512L << 20, plan.MemoryLimit);
        var a = plan.Containers.Single(c => c.Name == "a");
        var b = plan.Containers.Single(c => c.Name == "b");
        Assert.Equal(20000, a.CpuQuota); // its own limit
        Assert.Equal(512L << 20, a.MemoryLimit); // the pod's, as it has none
        Assert.Equal(100000, b.CpuQuota);
        Assert.Equal(512L << 20, b.MemoryLimit);
    }

    [Fact]
    public void Without_pod_level_resources_the_plan_is_the_containers_as_before()
    {
        var plan = PodPlanner.Plan(With(C("a", "cpu: 100m", "cpu: 200m") + "\n" + C("b")), V2Node);

        Assert.Null(plan.CpuQuota);
        Assert.Null(plan.MemoryLimit);
        Assert.Null(plan.Containers.Single(c => c.Name == "b").CpuQuota);
        Assert.Null(plan.Containers.Single(c => c.Name == "b").MemoryLimit);
    }

    [Theory]
    [InlineData("0", "0", "0", 940, 940, 940)]
    [InlineData("50Gi", "100Gi", "0", 940, 890, 990)]
    public void Burstable_oom_score_shares_the_unrequested_pod_memory_among_the_containers(string a, string b, string c, int scoreA, int scoreB, int scoreC)
    {
        var containers = string.Join('\n', new[] { ("a", a), ("b", b), ("c", c) }.Select(x => x.Item2 == "0" ? C(x.Item1, "cpu: 10m") : C(x.Item1, $"cpu: 10m, memory: {x.Item2}")));
        var node = NodeFacts.Default(cgroupVersion: 2, memoryCapacity: 1000L << 30);

        var plan = PodPlanner.Plan(Manifest(containers, "requests: { memory: 180Gi }"), node);

        Assert.Equal([scoreA, scoreB, scoreC], plan.Containers.Select(x => x.OomScoreAdj));
    }

    [Theory]
    [InlineData("requests: { hugepages-2Mi: 2Mi }", "spec.resources.requests[hugepages-2Mi]", "supported values: \"cpu\", \"memory\"")]
    [InlineData("requests: { memory: 2Gi }, limits: { memory: 1Gi }", "spec.resources.requests[memory]", "must be less than or equal to memory limit of 1073741824")]
    [InlineData("requests: { cpu: 100m }", "spec.resources.requests[cpu]", "must be greater than or equal to aggregate container requests of 300m")]
    [InlineData("limits: { cpu: 250m }", "spec.resources.limits[cpu]", "must be greater than or equal to aggregate container requests of 300m")]
    [InlineData("limits: { memory: 64Mi }", "spec.containers[1].resources.limits[memory]", "must be less than or equal to pod limits of 67108864")]
    public void The_api_server_s_checks_name_the_field(string resources, string field, string message)
    {
        var yaml = $$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              resources: { {{resources}} }
              containers:
                - { name: a, image: busybox, resources: { requests: { cpu: 100m } } }
                - { name: b, image: busybox, resources: { requests: { cpu: 200m }, limits: { memory: 128Mi } } }
            """;

        var error = Assert.Throws<ValidationException>(() => ManifestReader.ReadText(yaml, "p.yaml"));

        var found = Assert.Single(error.Errors, e => e.Path == field);
        Assert.Contains(message, found.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_v1_node_refuses_pod_level_resources_and_a_v2_node_takes_them()
    {
        var spec = Manifest(C("a"), "limits: { memory: 1Gi }").Pod.Spec;
        var errors = new List<(string Path, string Message)>();

        PodLevelResourcesValidation.CheckNode(spec, NodeFacts.Default(cgroupVersion: 1, memoryCapacity: 8L << 30), (p, m) => errors.Add((p, m)));
        PodLevelResourcesValidation.CheckNode(spec, V2Node, (p, m) => errors.Add((p, m)));
        PodLevelResourcesValidation.CheckNode(With(C("a")).Pod.Spec, NodeFacts.Default(cgroupVersion: 1, memoryCapacity: 8L << 30), (p, m) => errors.Add((p, m)));

        var (path, message) = Assert.Single(errors);
        Assert.Equal("spec.resources", path);
        Assert.Contains("cgroup v2", message, StringComparison.Ordinal);
    }
}
