using System.Text.RegularExpressions;
using Berth.Core.Manifests;
using Berth.Core.Validation;
using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>What is wrong with a LimitRange (refused) and what Berth ignores in it (warned).</summary>
public sealed record LimitRangeCheck(IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Warnings)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// A LimitRange checked as the API server checks one before storing it (ValidateLimitRange in
/// pkg/apis/core/validation), after its defaulting (<see cref="LimitRangeDefaults"/>), so a
/// default the server derives from max or min is checked like a written one. Messages follow the
/// API server's field errors; map keys are written as Berth writes them (<c>spec.limits[0].max.memory</c>).
/// PersistentVolumeClaim items are valid but mean nothing on one node without volumes claimed
/// from a provisioner: a warning, not an error. So are prefixed custom types, which no plugin reads.
/// </summary>
public static partial class LimitRangeValidation
{
    private static readonly string[] StandardTypes = [LimitRangeDefaults.Pod, LimitRangeDefaults.Container, LimitRangeDefaults.PersistentVolumeClaim];

    /// <summary>The resources a container may name (IsStandardContainerResourceName), hugepages aside.</summary>
    private static readonly string[] ContainerResourceNames = ["cpu", "memory", "ephemeral-storage"];

    /// <summary>The unprefixed resource names the API knows (IsStandardResourceName): the container
    /// resources, storage, and the quota names.</summary>
    private static readonly string[] StandardResourceNames =
    [
        "cpu", "memory", "ephemeral-storage", "storage", "pods", "services", "replicationcontrollers", "resourcequotas",
        "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
        "requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    ];

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNamePart();

    public static LimitRangeCheck Validate(V1LimitRange range, string source)
    {
        var errors = new List<FieldError>();
        var warnings = new List<FieldError>();
        void Add(string path, string message) => errors.Add(new FieldError(source, path, message));

        ValidateMetadata(range.Metadata, Add);
        var defaulted = LimitRangeDefaults.Apply(range);
        var types = new HashSet<string>(StringComparer.Ordinal);
        var items = defaulted.Spec?.Limits ?? [];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var path = $"spec.limits[{i}]";
            var type = item.Type ?? "";
            ValidateType(type, $"{path}.type", Add);
            if (!types.Add(type))
            {
                Add($"{path}.type", $"Duplicate value: \"{type}\"");
            }

            if (type == LimitRangeDefaults.PersistentVolumeClaim)
            {
                warnings.Add(new FieldError(source, path, "type PersistentVolumeClaim has no effect on a single node: Berth has no claims to limit, ignored"));
            }
            else if (type.Contains('/', StringComparison.Ordinal))
            {
                warnings.Add(new FieldError(source, path, $"type \"{type}\" is not one the LimitRanger plugin applies, ignored"));
            }

            ValidateItem(item, path, Add);
        }

        return new LimitRangeCheck(errors, warnings);
    }

    private static void ValidateMetadata(V1ObjectMeta? metadata, Action<string, string> add)
    {
        if (string.IsNullOrEmpty(metadata?.Name))
        {
            add("metadata.name", "Required value: name is required");
        }
        else if (Dns1123.CheckSubdomain(metadata.Name) is { } nameError)
        {
            add("metadata.name", $"Invalid value: \"{metadata.Name}\": {nameError}");
        }

        if (!string.IsNullOrEmpty(metadata?.NamespaceProperty) && Dns1123.CheckLabel(metadata.NamespaceProperty) is { } namespaceError)
        {
            add("metadata.namespace", $"Invalid value: \"{metadata.NamespaceProperty}\": {namespaceError}");
        }
    }

    private static void ValidateItem(V1LimitRangeItem item, string path, Action<string, string> add)
    {
        var type = item.Type ?? "";
        var resources = new List<string>();
        void Names(IDictionary<string, ResourceQuantity>? values, string field)
        {
            foreach (var name in (values ?? new Dictionary<string, ResourceQuantity>()).Keys)
            {
                ValidateResourceName(type, name, $"{path}.{field}.{name}", add);
                if (!resources.Contains(name))
                {
                    resources.Add(name);
                }
            }
        }

        Names(item.Max, "max");
        Names(item.Min, "min");
        if (type == LimitRangeDefaults.Pod)
        {
            if (item.DefaultProperty is { Count: > 0 })
            {
                add($"{path}.default", "Forbidden: may not be specified when `type` is 'Pod'");
            }

            if (item.DefaultRequest is { Count: > 0 })
            {
                add($"{path}.defaultRequest", "Forbidden: may not be specified when `type` is 'Pod'");
            }
        }
        else
        {
            Names(item.DefaultProperty, "default");
            Names(item.DefaultRequest, "defaultRequest");
        }

        if (type == LimitRangeDefaults.PersistentVolumeClaim && item.Min?.ContainsKey("storage") != true && item.Max?.ContainsKey("storage") != true)
        {
            add($"{path}.limits", "Required value: either minimum or maximum storage value is required, but neither was provided");
        }

        Names(item.MaxLimitRequestRatio, "maxLimitRequestRatio");
        foreach (var name in resources)
        {
            ValidateOrder(item, type, name, path, add);
        }
    }

    /// <summary>min ≤ defaultRequest ≤ default ≤ max for one resource, and a ratio of at least 1
    /// that max/min can reach.</summary>
    private static void ValidateOrder(V1LimitRangeItem item, string type, string name, string path, Action<string, string> add)
    {
        var min = Find(item.Min, name);
        var max = Find(item.Max, name);
        var limit = type == LimitRangeDefaults.Pod ? null : Find(item.DefaultProperty, name);
        var request = type == LimitRangeDefaults.Pod ? null : Find(item.DefaultRequest, name);
        var ratio = Find(item.MaxLimitRequestRatio, name);

        void Invalid(string field, FormattedQuantity value, string detail) =>
            add($"{path}.{field}.{name}", $"Invalid value: \"{value}\": {detail}");

        if (min is { } a && max is { } b && a.Value > b.Value)
        {
            Invalid("min", a, $"min value {a} is greater than max value {b}");
        }

        if (request is { } r1 && min is { } m1 && m1.Value > r1.Value)
        {
            Invalid("defaultRequest", r1, $"min value {m1} is greater than default request value {r1}");
        }

        if (request is { } r2 && max is { } x2 && r2.Value > x2.Value)
        {
            Invalid("defaultRequest", r2, $"default request value {r2} is greater than max value {x2}");
        }

        if (request is { } r3 && limit is { } l3 && r3.Value > l3.Value)
        {
            Invalid("defaultRequest", r3, $"default request value {r3} is greater than default limit value {l3}");
        }

        if (limit is { } l4 && min is { } m4 && m4.Value > l4.Value)
        {
            Invalid("default", m4, $"min value {m4} is greater than default value {l4}");
        }

        if (limit is { } l5 && max is { } x5 && l5.Value > x5.Value)
        {
            // The API server shows max as the invalid value here, not the default.
            Invalid("default", x5, $"default value {l5} is greater than max value {x5}");
        }

        if (ratio is { } q && q.Value < 1m)
        {
            Invalid("maxLimitRequestRatio", q, $"ratio {q} is less than 1");
        }

        if (ratio is { } q2 && min is { } m6 && max is { } x6)
        {
            // Thousandths when nothing overflows, whole units otherwise; in float64, as the API server.
            var milli = q2.UnitValue < FormattedQuantity.MaxMilliValue && m6.UnitValue < FormattedQuantity.MaxMilliValue
                && x6.UnitValue < FormattedQuantity.MaxMilliValue;
            var ratioValue = milli ? (double)q2.MilliValue / 1000 : (double)q2.UnitValue;
            var reachable = milli ? (double)x6.MilliValue / (double)m6.MilliValue : (double)x6.UnitValue / (double)m6.UnitValue;
            if (ratioValue > reachable)
            {
                Invalid("maxLimitRequestRatio", q2, $"ratio {q2} is greater than max/min = {reachable.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)}");
            }
        }

        // Resources that cannot be overcommitted (hugepages, extended resources) need a default
        // request equal to the default limit.
        if (!OvercommitAllowed(name) && limit is { } l7 && request is { } r7 && l7.Value != r7.Value)
        {
            Invalid("defaultRequest", r7, $"default value {l7} must equal to defaultRequest value {r7} in {name}");
        }
    }

    private static FormattedQuantity? Find(IDictionary<string, ResourceQuantity>? values, string name)
    {
        if (values is null || !values.TryGetValue(name, out var quantity))
        {
            return null;
        }

        // A value the reader did not parse is reported where it is read; here it only must not throw.
        return Quantity.TryParse(quantity.ToString(), out var parsed, out _) ? new FormattedQuantity(parsed.Value, quantity.Format) : null;
    }

    private static void ValidateType(string type, string path, Action<string, string> add)
    {
        var problems = QualifiedName(type);
        foreach (var problem in problems)
        {
            add(path, $"Invalid value: \"{type}\": {problem}");
        }

        if (problems.Count == 0 && !type.Contains('/', StringComparison.Ordinal) && !StandardTypes.Contains(type))
        {
            add(path, $"Invalid value: \"{type}\": must be a standard limit type or fully qualified");
        }
    }

    /// <summary>validateLimitRangeResourceName: a standard or qualified name; for Pod and Container
    /// also one a container can request.</summary>
    private static void ValidateResourceName(string type, string name, string path, Action<string, string> add)
    {
        var problems = QualifiedName(name);
        foreach (var problem in problems)
        {
            add(path, $"Invalid value: \"{name}\": {problem}");
        }

        var prefixed = name.Contains('/', StringComparison.Ordinal);
        if (problems.Count == 0 && !prefixed && !StandardResourceNames.Contains(name) && !IsHugePages(name) && !name.StartsWith("requests.hugepages-", StringComparison.Ordinal))
        {
            add(path, $"Invalid value: \"{name}\": must be a standard resource type or fully qualified");
        }

        if (type is not (LimitRangeDefaults.Pod or LimitRangeDefaults.Container))
        {
            return;
        }

        if (!prefixed && !ContainerResourceNames.Contains(name) && !IsHugePages(name))
        {
            add(path, $"Invalid value: \"{name}\": must be a standard resource for containers");
        }
        else if (prefixed && !IsNative(name) && (name.StartsWith("requests.", StringComparison.Ordinal) || QualifiedName("requests." + name).Count > 0))
        {
            add(path, $"Invalid value: \"{name}\": doesn't follow extended resource name standard");
        }
    }

    /// <summary>IsOvercommitAllowed: native resources other than hugepages.</summary>
    private static bool OvercommitAllowed(string name) => IsNative(name) && !IsHugePages(name);

    private static bool IsNative(string name) =>
        !name.Contains('/', StringComparison.Ordinal) || name.Contains("kubernetes.io/", StringComparison.Ordinal);

    private static bool IsHugePages(string name) => name.StartsWith("hugepages-", StringComparison.Ordinal);

    /// <summary>apimachinery's IsQualifiedName: an optional DNS-1123 subdomain prefix and '/', then
    /// a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.</summary>
    private static List<string> QualifiedName(string value)
    {
        var problems = new List<string>();
        var parts = value.Split('/');
        if (parts.Length > 2)
        {
            problems.Add("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
            return problems;
        }

        var name = parts[^1];
        if (parts.Length == 2)
        {
            if (parts[0].Length == 0)
            {
                problems.Add("prefix part must be non-empty");
            }
            else if (Dns1123.CheckSubdomain(parts[0]) is { } prefixError)
            {
                problems.Add("prefix part " + prefixError);
            }
        }

        if (name.Length == 0)
        {
            problems.Add("name part must be non-empty");
        }
        else if (name.Length > Dns1123.LabelMaxLength)
        {
            problems.Add($"name part must be no more than {Dns1123.LabelMaxLength} characters");
        }

        if (!QualifiedNamePart().IsMatch(name))
        {
            problems.Add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        }

        return problems;
    }
}
