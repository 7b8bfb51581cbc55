using Berth.Core.Planning;
using Berth.Core.Validation;
using k8s;
using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>
/// The API server's LimitRanger admission plugin (plugin/pkg/admission/limitranger/admission.go)
/// for one new pod and the LimitRanges of its namespace, in the API server's order:
/// <list type="number">
/// <item>the pod's own defaulting (SetDefaults_Pod): a container limit without a request gives
/// the request, and a pod-level limit without a request gives the pod-level request — both before
/// any LimitRange, so a LimitRange's defaultRequest never replaces a request the limit implied;</item>
/// <item>the mutating half, per LimitRange: a container (init containers and sidecars too) missing
/// a limit takes the type-Container <c>default</c>, one missing a request the <c>defaultRequest</c>,
/// and the <c>kubernetes.io/limit-ranger</c> annotation says what was set;</item>
/// <item>the pod's validation of what the defaults made (a default limit below the container's own
/// request is refused there, not by the plugin);</item>
/// <item>the validating half, per LimitRange: min, max and maxLimitRequestRatio of type Container
/// on every container and init container, and of type Pod on the pod's totals
/// (<see cref="PodTotals"/>, with pod-level resources where the pod sets them).</item>
/// </list>
/// The plugin walks the namespace's LimitRanges in its informer's order, which is unspecified;
/// Berth walks them by name so the result never depends on how they were stored. As in the plugin,
/// the first LimitRange to default a value wins, and each LimitRange that sets anything writes the
/// whole annotation again, so it tells what the last one set (<see cref="LimitRangeProvenance"/>
/// tells all). Types other than Container and Pod (PersistentVolumeClaim, prefixed custom types)
/// do not apply to pods.
/// </summary>
public static class LimitRanger
{
    public const string AnnotationKey = "kubernetes.io/limit-ranger";

    /// <summary>Defaults and checks <paramref name="pod"/>; the input and the ranges are not changed.</summary>
    public static LimitRangerResult Apply(V1Pod pod, IReadOnlyList<V1LimitRange> rangesOfItsNamespace)
    {
        var copy = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod), null);
        if (copy.Spec is not { } spec)
        {
            return new LimitRangerResult(copy, null, [], []);
        }

        SetPodDefaults(spec);
        var ranges = rangesOfItsNamespace
            .OrderBy(r => r.Metadata?.Name ?? "", StringComparer.Ordinal)
            .Select(LimitRangeDefaults.Apply)
            .ToList();

        var provenance = new List<LimitRangeProvenance>();
        string? annotation = null;
        foreach (var range in ranges)
        {
            var set = SetContainerDefaults(spec, range, provenance);
            if (set.Count > 0)
            {
                annotation = "LimitRanger plugin set: " + string.Join("; ", set);
            }
        }

        if (annotation is not null)
        {
            copy.Metadata ??= new V1ObjectMeta();
            copy.Metadata.Annotations ??= new Dictionary<string, string>();
            copy.Metadata.Annotations[AnnotationKey] = annotation;
        }

        var violations = new List<LimitRangeViolation>();
        ValidateDefaulted(pod.Spec!, spec, provenance, violations);
        foreach (var range in ranges)
        {
            Check(range, spec, violations);
        }

        return new LimitRangerResult(copy, annotation, violations, provenance);
    }

    /// <summary>SetDefaults_Pod's part on resources, which the API server applies when it decodes
    /// the pod, before admission.</summary>
    private static void SetPodDefaults(V1PodSpec spec)
    {
        // The pod-level request defaults from the containers' requests as the manifest gave them.
        var podRequests = PodLevelResources.Requests(spec);
        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            if (container.Resources?.Limits is not { Count: > 0 } limits)
            {
                continue;
            }

            container.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
            foreach (var (name, limit) in limits)
            {
                container.Resources.Requests.TryAdd(name, limit);
            }
        }

        if (spec.Resources?.Limits is { Count: > 0 } podLimits)
        {
            spec.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
            foreach (var (name, limit) in podLimits.Where(l => podRequests.Contains(l.Key)))
            {
                spec.Resources.Requests.TryAdd(name, new FormattedQuantity(podRequests[name], limit.Format).ToResourceQuantity());
            }
        }
    }

    /// <summary>defaultContainerResourceRequirements and mergePodResourceRequirements: returns the
    /// annotation's parts for this LimitRange.</summary>
    private static List<string> SetContainerDefaults(V1PodSpec spec, V1LimitRange range, List<LimitRangeProvenance> provenance)
    {
        var requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        var limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var item in (range.Spec?.Limits ?? []).Where(i => i.Type == LimitRangeDefaults.Container))
        {
            foreach (var (name, quantity) in item.DefaultRequest ?? new Dictionary<string, ResourceQuantity>())
            {
                requests[name] = quantity;
            }

            foreach (var (name, quantity) in item.DefaultProperty ?? new Dictionary<string, ResourceQuantity>())
            {
                limits[name] = quantity;
            }
        }

        var parts = new List<string>();
        var rangeName = range.Metadata?.Name ?? "";
        foreach (var container in spec.Containers ?? [])
        {
            Merge(container, init: false, requests, limits, rangeName, parts, provenance);
        }

        foreach (var container in spec.InitContainers ?? [])
        {
            Merge(container, init: true, requests, limits, rangeName, parts, provenance);
        }

        return parts;
    }

    private static void Merge(V1Container container, bool init, Dictionary<string, ResourceQuantity> requests,
        Dictionary<string, ResourceQuantity> limits, string rangeName, List<string> parts, List<LimitRangeProvenance> provenance)
    {
        var setRequests = Fill(container, r => r.Requests ??= new Dictionary<string, ResourceQuantity>(), container.Resources?.Requests, requests);
        var setLimits = Fill(container, r => r.Limits ??= new Dictionary<string, ResourceQuantity>(), container.Resources?.Limits, limits);
        var prefix = init ? "init container" : "container";
        if (setRequests.Count > 0)
        {
            parts.Add($"{string.Join(", ", setRequests)} request for {prefix} {container.Name}");
        }

        if (setLimits.Count > 0)
        {
            parts.Add($"{string.Join(", ", setLimits)} limit for {prefix} {container.Name}");
        }

        foreach (var (set, field, values) in new[] { (setRequests, LimitRangeProvenance.Requests, requests), (setLimits, LimitRangeProvenance.Limits, limits) })
        {
            provenance.AddRange(set.Select(resource =>
                new LimitRangeProvenance(container.Name, init, resource, field, FormattedQuantity.Of(values[resource]).ToString(), rangeName)));
        }
    }

    /// <summary>Adds the defaults the container lacks; returns their names sorted, as the annotation
    /// lists them. A container that lacks none is left exactly as it was.</summary>
    private static List<string> Fill(V1Container container, Func<V1ResourceRequirements, IDictionary<string, ResourceQuantity>> target,
        IDictionary<string, ResourceQuantity>? present, Dictionary<string, ResourceQuantity> defaults)
    {
        var missing = defaults.Keys.Where(name => present?.ContainsKey(name) != true).Order(StringComparer.Ordinal).ToList();
        foreach (var name in missing)
        {
            // Shared with the LimitRange's copy: a ResourceQuantity is never changed in place.
            target(container.Resources ??= new V1ResourceRequirements())[name] = defaults[name];
        }

        return missing;
    }

    /// <summary>The API server validates the pod after the mutating plugins: a default limit below a
    /// request the container set, or default requests above the pod-level budget, refuse the pod
    /// there. Only what the defaults made wrong is reported; the manifest's own errors are
    /// <see cref="PodValidator"/>'s.</summary>
    private static void ValidateDefaulted(V1PodSpec original, V1PodSpec spec, List<LimitRangeProvenance> provenance, List<LimitRangeViolation> violations)
    {
        foreach (var (list, path, init) in new[] { (spec.Containers, "spec.containers", false), (spec.InitContainers, "spec.initContainers", true) })
        {
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                var container = list![i];
                var limits = PodTotals.Of(container.Resources?.Limits);
                foreach (var (name, request) in PodTotals.Of(container.Resources?.Requests))
                {
                    var cause = provenance.FirstOrDefault(p => p.Container == container.Name && p.InitContainer == init && p.Resource == name);
                    if (cause is not null && limits.TryGetValue(name, out var limit) && request.Value > limit.Value)
                    {
                        violations.Add(new LimitRangeViolation(cause.LimitRange, container.Name, $"{path}[{i}].resources.requests.{name}",
                            $"Invalid value: \"{request}\": must be less than or equal to {name} limit of {limit}"));
                    }
                }
            }
        }

        var before = new HashSet<(string, string)>();
        PodLevelResourcesValidation.Validate(original, (path, message) => before.Add((path, message)));
        PodLevelResourcesValidation.Validate(spec, (path, message) =>
        {
            if (!before.Contains((path, message)))
            {
                violations.Add(new LimitRangeViolation(null, null, path, message));
            }
        });
    }

    /// <summary>PodValidateLimitFunc for one LimitRange.</summary>
    private static void Check(V1LimitRange range, V1PodSpec spec, List<LimitRangeViolation> violations)
    {
        var name = range.Metadata?.Name ?? "";
        foreach (var item in range.Spec?.Limits ?? [])
        {
            if (item.Type == LimitRangeDefaults.Container)
            {
                foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
                {
                    var requests = PodTotals.Of(container.Resources?.Requests);
                    var limits = PodTotals.Of(container.Resources?.Limits);
                    Enforce(item, LimitRangeDefaults.Container, requests, limits, message => violations.Add(new LimitRangeViolation(name, container.Name, null, message)));
                }
            }
            else if (item.Type == LimitRangeDefaults.Pod)
            {
                Enforce(item, LimitRangeDefaults.Pod, PodTotals.Requests(spec), PodTotals.Limits(spec), message => violations.Add(new LimitRangeViolation(name, null, null, message)));
            }
        }
    }

    private static void Enforce(V1LimitRangeItem item, string type, Dictionary<string, FormattedQuantity> requests, Dictionary<string, FormattedQuantity> limits, Action<string> add)
    {
        var checks = new (IDictionary<string, ResourceQuantity>? Values, Func<string, string, FormattedQuantity, IReadOnlyDictionary<string, FormattedQuantity>, IReadOnlyDictionary<string, FormattedQuantity>, string?> Check)[]
        {
            (item.Min, LimitConstraints.Min),
            (item.Max, LimitConstraints.Max),
            (item.MaxLimitRequestRatio, LimitConstraints.MaxLimitRequestRatio),
        };
        foreach (var (values, check) in checks)
        {
            foreach (var (resource, enforced) in values ?? new Dictionary<string, ResourceQuantity>())
            {
                if (check(type, resource, FormattedQuantity.Of(enforced), requests, limits) is { } message)
                {
                    add(message);
                }
            }
        }
    }
}
