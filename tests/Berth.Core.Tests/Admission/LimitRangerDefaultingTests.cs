using Berth.Core.Admission;
using k8s.Models;
using static Berth.Core.Tests.Admission.LimitRanges;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Admission;

/// <summary>The LimitRanger's mutating half: container defaults, the annotation, provenance.</summary>
public class LimitRangerDefaultingTests
{
    private static readonly V1LimitRange Defaults = Range("defaults",
        "{ type: Container, default: { cpu: 500m, memory: 512Mi }, defaultRequest: { cpu: 100m, memory: 256Mi } }");

    private static string Values(IDictionary<string, ResourceQuantity>? list) =>
        list is null ? "" : string.Join(", ", list.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));

    public static TheoryData<string, string, string, string, string?> ContainerCases => new()
    {
        {
            "none: both defaults",
            C("app"),
            "cpu=100m, memory=256Mi", "cpu=500m, memory=512Mi",
            "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app"
        },
        {
            "a limit only: the request comes from the limit, not from defaultRequest",
            C("app", limits: "cpu: '1'"),
            "cpu=1, memory=256Mi", "cpu=1, memory=512Mi",
            "LimitRanger plugin set: memory request for container app; memory limit for container app"
        },
        {
            "a request only: the limit comes from default",
            C("app", requests: "cpu: 200m"),
            "cpu=200m, memory=256Mi", "cpu=500m, memory=512Mi",
            "LimitRanger plugin set: memory request for container app; cpu, memory limit for container app"
        },
        {
            "both set: nothing changes",
            C("app", requests: "cpu: 200m, memory: 100Mi", limits: "cpu: 300m, memory: 200Mi"),
            "cpu=200m, memory=100Mi", "cpu=300m, memory=200Mi",
            null
        },
    };

    [Theory]
    [MemberData(nameof(ContainerCases))]
    public void Fills_what_the_container_lacks(string because, string container, string requests, string limits, string? annotation)
    {
        var result = LimitRanger.Apply(With(container).Pod, [Defaults]);

        var resources = result.Pod.Spec.Containers[0].Resources;
        Assert.True(requests == Values(resources.Requests), because);
        Assert.True(limits == Values(resources.Limits), because);
        Assert.True(annotation == result.Annotation, because);
        Assert.True(annotation == (result.Pod.Metadata.Annotations?.TryGetValue(LimitRanger.AnnotationKey, out var value) == true ? value : null), because);
        Assert.True(result.Admitted, because);
    }

    [Fact]
    public void Init_containers_and_sidecars_are_defaulted_after_the_app_containers()
    {
        var pod = With(C("app") + "\n" + C("web", limits: "cpu: '1', memory: 1Gi"),
            C("setup", requests: "memory: 64Mi") + "\n" + C("proxy", extra: "restartPolicy: Always"));

        var result = LimitRanger.Apply(pod.Pod, [Defaults]);

        Assert.Equal(
            "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; "
            + "cpu request for init container setup; cpu, memory limit for init container setup; "
            + "cpu, memory request for init container proxy; cpu, memory limit for init container proxy",
            result.Annotation);
        Assert.Equal("cpu=100m, memory=64Mi", Values(result.Pod.Spec.InitContainers[0].Resources.Requests));
        Assert.Equal("cpu=500m, memory=512Mi", Values(result.Pod.Spec.InitContainers[1].Resources.Limits));
    }

    [Fact]
    public void A_limit_range_with_only_a_max_defaults_limit_and_request_to_it()
    {
        var result = LimitRanger.Apply(With(C("app")).Pod, [Range("cap", "{ type: Container, max: { memory: 1Gi }, min: { cpu: 50m } }")]);

        var resources = result.Pod.Spec.Containers[0].Resources;
        Assert.Equal("cpu=50m, memory=1Gi", Values(resources.Requests));
        Assert.Equal("memory=1Gi", Values(resources.Limits));
        Assert.True(result.Admitted);
    }

    [Fact]
    public void Type_pod_and_persistent_volume_claim_items_default_nothing()
    {
        var result = LimitRanger.Apply(With(C("app")).Pod,
            [Range("other", "{ type: Pod, max: { cpu: '4' }, min: { memory: 1Ki } }", "{ type: PersistentVolumeClaim, max: { storage: 1Gi } }")]);

        Assert.Null(result.Annotation);
        Assert.Null(result.Pod.Spec.Containers[0].Resources);
        Assert.Empty(result.Provenance);
    }

    [Fact]
    public void With_several_limit_ranges_the_first_by_name_wins_and_the_annotation_is_the_last_ones()
    {
        var memory = Range("b-memory", "{ type: Container, default: { memory: 1Gi, cpu: '2' } }");
        var cpu = Range("a-cpu", "{ type: Container, default: { cpu: '1' }, defaultRequest: { cpu: 250m } }");

        var result = LimitRanger.Apply(With(C("app")).Pod, [memory, cpu]);

        var resources = result.Pod.Spec.Containers[0].Resources;
        Assert.Equal("cpu=250m, memory=1Gi", Values(resources.Requests));
        Assert.Equal("cpu=1, memory=1Gi", Values(resources.Limits));
        // Each LimitRange that sets something writes the whole annotation again, as the plugin does.
        Assert.Equal("LimitRanger plugin set: memory request for container app; memory limit for container app", result.Annotation);
        Assert.Equal(
            [
                "container app: resources.requests.cpu=250m from LimitRange a-cpu",
                "container app: resources.limits.cpu=1 from LimitRange a-cpu",
                "container app: resources.requests.memory=1Gi from LimitRange b-memory",
                "container app: resources.limits.memory=1Gi from LimitRange b-memory",
            ],
            result.Provenance.Select(p => p.ToString()));
    }

    [Fact]
    public void Provenance_names_each_value_a_limit_range_set_and_not_what_the_manifest_implied()
    {
        var pod = With(C("app", limits: "cpu: '1'"), C("setup"));

        var result = LimitRanger.Apply(pod.Pod, [Defaults]);

        Assert.Equal(
            [
                new LimitRangeProvenance("app", false, "memory", "requests", "256Mi", "defaults"),
                new LimitRangeProvenance("app", false, "memory", "limits", "512Mi", "defaults"),
                new LimitRangeProvenance("setup", true, "cpu", "requests", "100m", "defaults"),
                new LimitRangeProvenance("setup", true, "memory", "requests", "256Mi", "defaults"),
                new LimitRangeProvenance("setup", true, "cpu", "limits", "500m", "defaults"),
                new LimitRangeProvenance("setup", true, "memory", "limits", "512Mi", "defaults"),
            ],
            result.Provenance);
        // The request the limit implied is in the pod, as the API server stores it.
        Assert.Equal("cpu=1, memory=256Mi", Values(result.Pod.Spec.Containers[0].Resources.Requests));
    }

    [Fact]
    public void Neither_the_pod_nor_the_limit_ranges_are_changed()
    {
        var pod = With(C("app", limits: "cpu: '1'")).Pod;
        var range = Range("cap", "{ type: Container, max: { memory: 1Gi } }");

        var result = LimitRanger.Apply(pod, [range, Defaults]);

        Assert.NotSame(pod, result.Pod);
        Assert.Null(pod.Spec.Containers[0].Resources.Requests);
        Assert.Equal("cpu=1", Values(pod.Spec.Containers[0].Resources.Limits));
        Assert.Null(pod.Metadata.Annotations);
        Assert.Null(range.Spec.Limits[0].DefaultProperty);
        Assert.Equal("cpu=1, memory=1Gi", Values(result.Pod.Spec.Containers[0].Resources.Limits));
    }

    [Fact]
    public void No_limit_ranges_leave_the_pod_as_it_was_but_for_the_api_servers_own_defaults()
    {
        var result = LimitRanger.Apply(With(C("app", limits: "memory: 1Gi")).Pod, []);

        Assert.Null(result.Annotation);
        Assert.Equal("memory=1Gi", Values(result.Pod.Spec.Containers[0].Resources.Requests));
        Assert.Empty(result.Violations);
    }

    [Fact]
    public void A_pod_level_limit_gives_the_pod_request_before_the_container_defaults_do()
    {
        var pod = With(C("a") + "\n" + C("b"), specExtra: "  resources: { limits: { cpu: '2' } }");

        var result = LimitRanger.Apply(pod.Pod, [Range("cpu", "{ type: Container, defaultRequest: { cpu: 500m } }")]);

        // Kubernetes defaulted the pod request to the limit while no container requested cpu.
        Assert.Equal("cpu=2", Values(result.Pod.Spec.Resources.Requests));
        Assert.Equal("cpu=500m", Values(result.Pod.Spec.Containers[1].Resources.Requests));
        Assert.True(result.Admitted);
    }
}
