using Berth.Core.Admission;
using static Berth.Core.Tests.Admission.LimitRanges;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Admission;

/// <summary>The LimitRanger's validating half: min, max and maxLimitRequestRatio per Container
/// and per Pod, with the API server's messages.</summary>
public class LimitRangerConstraintTests
{
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        // Per container.
        { "container max limit", "{ type: Container, max: { memory: 1Gi } }", C("app", limits: "memory: 2Gi"), "",
            "maximum memory usage per Container is 1Gi, but limit is 2Gi" },
        { "container min request", "{ type: Container, min: { cpu: 200m } }", C("app", requests: "cpu: 100m"), "",
            "minimum cpu usage per Container is 200m, but request is 100m" },
        { "container min, a request the limit implied", "{ type: Container, min: { memory: 64Mi } }", C("app", limits: "memory: 32Mi"), "",
            "minimum memory usage per Container is 64Mi, but request is 32Mi" },
        { "container ratio", "{ type: Container, maxLimitRequestRatio: { memory: '2' } }", C("app", "memory: 256Mi", "memory: 1Gi"), "",
            "memory max limit to request ratio per Container is 2, but provided ratio is 4.000000" },
        { "container ratio, fractional", "{ type: Container, maxLimitRequestRatio: { cpu: 1500m } }", C("app", "cpu: 300m", "cpu: 1"), "",
            "cpu max limit to request ratio per Container is 1500m, but provided ratio is 3.333333" },
        { "container ratio, no limit", "{ type: Container, maxLimitRequestRatio: { cpu: '2' } }", C("app", requests: "cpu: 300m"), "",
            "cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0" },
        { "container ratio, no request", "{ type: Container, maxLimitRequestRatio: { cpu: '2' } }", C("app"), "",
            "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0" },
        { "container ratio, a zero request", "{ type: Container, maxLimitRequestRatio: { cpu: '2' } }", C("app", "cpu: '0'", "cpu: 1"), "",
            "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0" },
        { "an init container is checked as a container", "{ type: Container, max: { memory: 1Gi } }", C("app"), C("setup", limits: "memory: 1536Mi"),
            "maximum memory usage per Container is 1Gi, but limit is 1536Mi" },

        // Per pod: totals over containers.
        { "pod min request", "{ type: Pod, min: { cpu: 100m } }", C("a", "cpu: 20m") + "\n" + C("b", "cpu: 30m"), "",
            "minimum cpu usage per Pod is 100m, but request is 50m" },
        { "pod min, no request", "{ type: Pod, min: { cpu: 100m } }", C("a"), "",
            "minimum cpu usage per Pod is 100m.  No request is specified" },
        { "pod min limit", "{ type: Pod, min: { cpu: 200m } }", C("a", requests: "cpu: 300m") + "\n" + C("b", limits: "cpu: 100m"), "",
            "minimum cpu usage per Pod is 200m, but limit is 100m" },
        { "pod max, no limit", "{ type: Pod, max: { memory: 1Gi } }", C("a"), "",
            "maximum memory usage per Pod is 1Gi.  No limit is specified" },
        { "pod max limit sums the containers", "{ type: Pod, max: { memory: 1Gi } }", C("a", limits: "memory: 768Mi") + "\n" + C("b", limits: "memory: 512Mi"), "",
            "maximum memory usage per Pod is 1Gi, but limit is 1280Mi" },
        { "pod max request", "{ type: Pod, max: { cpu: '1' } }", C("a", requests: "cpu: '2'") + "\n" + C("b", limits: "cpu: 500m"), "",
            "maximum cpu usage per Pod is 1, but request is 2500m" },
        { "pod max: an init container larger than the app containers", "{ type: Pod, max: { memory: 1Gi } }", C("a", limits: "memory: 512Mi"), C("setup", limits: "memory: 2Gi"),
            "maximum memory usage per Pod is 1Gi, but limit is 2Gi" },
        { "pod max: a sidecar adds to the app containers", "{ type: Pod, max: { memory: 1Gi } }", C("a", limits: "memory: 768Mi"), C("proxy", limits: "memory: 512Mi", extra: "restartPolicy: Always"),
            "maximum memory usage per Pod is 1Gi, but limit is 1280Mi" },
        { "pod max: a sidecar adds to a later init container", "{ type: Pod, max: { memory: 1Gi } }", C("a", limits: "memory: 64Mi"),
            C("proxy", limits: "memory: 512Mi", extra: "restartPolicy: Always") + "\n" + C("setup", limits: "memory: 768Mi"),
            "maximum memory usage per Pod is 1Gi, but limit is 1280Mi" },
        { "pod ratio", "{ type: Pod, maxLimitRequestRatio: { cpu: '2' } }", C("a", "cpu: 100m", "cpu: 500m") + "\n" + C("b", "cpu: 100m", "cpu: 100m"), "",
            "cpu max limit to request ratio per Pod is 2, but provided ratio is 3.000000" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Refuses_with_the_api_servers_message(string because, string item, string containers, string initContainers, string message)
    {
        var result = LimitRanger.Apply(With(containers, initContainers).Pod, [Range("limits", item)]);

        var violation = Assert.Single(result.Violations);
        Assert.True(message == violation.Message, $"{because}: {violation.Message}");
        Assert.Equal("limits", violation.LimitRange);
        Assert.Equal($"pods \"test\" is forbidden: {message}", result.ApiServerMessage("test"));
    }

    public static TheoryData<string, string, string, string> Admitted => new()
    {
        { "within container bounds", "{ type: Container, min: { cpu: 100m }, max: { cpu: '1', memory: 1Gi }, maxLimitRequestRatio: { cpu: '4' } }",
            C("app", "cpu: 250m", "cpu: '1', memory: 1Gi"), "" },
        { "a ratio of exactly the bound", "{ type: Container, maxLimitRequestRatio: { memory: '2' } }", C("app", "memory: 512Mi", "memory: 1Gi"), "" },
        { "pod totals within bounds", "{ type: Pod, max: { memory: 1Gi }, min: { memory: 256Mi } }", C("a", limits: "memory: 512Mi") + "\n" + C("b", limits: "memory: 512Mi"), "" },
        { "an init container runs alone: max, not sum", "{ type: Pod, max: { memory: 1Gi } }", C("a", limits: "memory: 1Gi"), C("setup", limits: "memory: 1Gi") },
        { "a fully qualified type is not one the plugin knows", "{ type: example.com/thing, max: { cpu: 1m } }", C("a", limits: "cpu: 1"), "" },
        { "persistent volume claims are not pods", "{ type: PersistentVolumeClaim, max: { storage: 1Gi } }", C("a"), "" },
    };

    [Theory]
    [MemberData(nameof(Admitted))]
    public void Admits(string because, string item, string containers, string initContainers)
    {
        var result = LimitRanger.Apply(With(containers, initContainers).Pod, [Range("limits", item)]);

        Assert.True(result.Admitted, $"{because}: {string.Join("; ", result.Violations)}");
        Assert.Null(result.ApiServerMessage("test"));
    }

    [Fact]
    public void Pod_level_resources_replace_the_container_totals_for_type_pod()
    {
        var pod = With(C("a", "cpu: 100m", "cpu: 600m") + "\n" + C("b", "cpu: 100m", "cpu: 600m"), specExtra: "  resources: { limits: { cpu: '1' } }");

        Assert.True(LimitRanger.Apply(pod.Pod, [Range("limits", "{ type: Pod, max: { cpu: '1' } }")]).Admitted);
        var refused = LimitRanger.Apply(pod.Pod, [Range("limits", "{ type: Pod, max: { cpu: 800m } }")]);
        Assert.Equal("maximum cpu usage per Pod is 800m, but limit is 1", Assert.Single(refused.Violations).Message);
    }

    [Fact]
    public void Pod_level_memory_is_checked_when_no_container_sets_it()
    {
        var pod = With(C("a"), specExtra: "  resources: { limits: { memory: 2Gi } }");

        var result = LimitRanger.Apply(pod.Pod, [Range("limits", "{ type: Pod, max: { memory: 1Gi } }")]);

        Assert.Equal("maximum memory usage per Pod is 1Gi, but limit is 2Gi", Assert.Single(result.Violations).Message);
    }

    [Fact]
    public void Every_container_and_every_limit_range_is_reported_and_the_api_server_answers_with_the_first()
    {
        var pod = With(C("a", limits: "memory: 2Gi") + "\n" + C("b", limits: "memory: 3Gi"));
        var small = Range("a-small", "{ type: Container, max: { memory: 1Gi } }");
        var ratio = Range("b-ratio", "{ type: Container, maxLimitRequestRatio: { memory: '1' } }", "{ type: Pod, max: { memory: 4Gi } }");

        var result = LimitRanger.Apply(pod.Pod, [ratio, small]);

        Assert.Equal(
            [
                "container a: maximum memory usage per Container is 1Gi, but limit is 2Gi (LimitRange a-small)",
                "container b: maximum memory usage per Container is 1Gi, but limit is 3Gi (LimitRange a-small)",
                "maximum memory usage per Pod is 4Gi, but limit is 5Gi (LimitRange b-ratio)",
            ],
            result.Violations.Select(v => v.ToString()));
        Assert.Equal(
            "pods \"test\" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 2Gi, maximum memory usage per Container is 1Gi, but limit is 3Gi]",
            result.ApiServerMessage("test"));
    }

    [Fact]
    public void The_same_message_twice_is_aggregated_once()
    {
        var pod = With(C("a", limits: "memory: 2Gi") + "\n" + C("b", limits: "memory: 2Gi"));

        var result = LimitRanger.Apply(pod.Pod, [Range("small", "{ type: Container, max: { memory: 1Gi } }")]);

        Assert.Equal(2, result.Violations.Count);
        Assert.Equal("pods \"test\" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi", result.ApiServerMessage("test"));
    }

    [Fact]
    public void A_default_limit_below_the_containers_own_request_makes_the_pod_invalid()
    {
        var result = LimitRanger.Apply(With(C("app", requests: "cpu: '2'")).Pod, [Range("small", "{ type: Container, default: { cpu: '1' } }")]);

        var violation = Assert.Single(result.Violations);
        Assert.Equal(new LimitRangeViolation("small", "app", "spec.containers[0].resources.requests.cpu", "Invalid value: \"2\": must be less than or equal to cpu limit of 1"), violation);
        Assert.Equal("Pod \"test\" is invalid: spec.containers[0].resources.requests.cpu: Invalid value: \"2\": must be less than or equal to cpu limit of 1",
            result.ApiServerMessage("test"));
    }

    [Fact]
    public void Default_requests_above_the_pod_level_request_make_the_pod_invalid()
    {
        var pod = With(C("a") + "\n" + C("b", requests: "memory: 100Mi"), specExtra: "  resources: { limits: { memory: 1Gi } }");

        var result = LimitRanger.Apply(pod.Pod, [Range("big", "{ type: Container, defaultRequest: { memory: 512Mi } }")]);

        // The pod request was defaulted to the containers' 100Mi before the LimitRange added 512Mi.
        var violation = Assert.Single(result.Violations);
        Assert.Equal("spec.resources.requests[memory]", violation.Path);
        Assert.Contains("must be greater than or equal to aggregate container requests", violation.Message);
    }
}
