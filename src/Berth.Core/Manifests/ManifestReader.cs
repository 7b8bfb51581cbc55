using System.Text.Json.Nodes;
using Berth.Core.Admission;
using Berth.Core.Security.PodSecurity;
using Berth.Core.Validation;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Core.Manifests;

/// <summary>
/// Reads Kubernetes manifests (YAML or JSON, several documents per file) into the KubernetesClient
/// models. Pods are understood; LimitRange and Namespace are kept for node policy; other kinds are
/// skipped with a warning. Every error of every document is collected, then thrown at once as a
/// <see cref="ValidationException"/>, so a user fixes a manifest in one pass.
/// </summary>
public static class ManifestReader
{
    private static readonly Dictionary<string, (string ApiVersion, Type Model)> Kinds = new(StringComparer.Ordinal)
    {
        ["Pod"] = ("v1", typeof(V1Pod)),
        ["LimitRange"] = ("v1", typeof(V1LimitRange)),
        ["Namespace"] = ("v1", typeof(V1Namespace)),
        ["Secret"] = ("v1", typeof(V1Secret)),
    };

    /// <summary>Reads and validates files; throws <see cref="ValidationException"/> with every error.</summary>
    public static ManifestSet ReadFiles(IEnumerable<string> paths) =>
        Combine(paths.SelectMany(path =>
        {
            try
            {
                return Read(File.ReadAllText(path), path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return [new DocumentResult(null, [new FieldError(path, "", $"cannot read file: {e.Message}")], [])];
            }
        }));

    /// <summary>Reads and validates manifest text; throws <see cref="ValidationException"/> with every error.</summary>
    public static ManifestSet ReadText(string text, string source) => Combine(Read(text, source));

    private static ManifestSet Combine(IEnumerable<DocumentResult> results)
    {
        var all = results.ToList();
        var errors = all.SelectMany(r => r.Errors).ToList();
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new ManifestSet(
            [.. all.Select(r => r.Model).OfType<PodManifest>()],
            [.. all.Select(r => r.Model).OfType<V1LimitRange>()],
            [.. all.Select(r => r.Model).OfType<V1Namespace>()],
            [.. all.SelectMany(r => r.Warnings)])
        {
            Secrets = [.. all.Select(r => r.Model).OfType<V1Secret>()],
        };
    }

    private sealed record DocumentResult(object? Model, IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Warnings);

    private static IEnumerable<DocumentResult> Read(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return [new DocumentResult(null, [new FieldError(source, "", $"not valid YAML or JSON (line {e.Start.Line}, column {e.Start.Column}): {e.InnerException?.Message ?? e.Message}")], [])];
        }

        var documents = stream.Documents.Where(d => !ModelBinder.IsNull(d.RootNode)).ToList();
        if (documents.Count == 0)
        {
            return [new DocumentResult(null, [new FieldError(source, "", "no Kubernetes object found")], [])];
        }

        return documents.Select((d, i) => ReadDocument(d.RootNode, documents.Count == 1 ? source : $"{source}[{i}]"));
    }

    private static DocumentResult ReadDocument(YamlNode root, string source)
    {
        if (root is not YamlMappingNode mapping)
        {
            return new DocumentResult(null, [new FieldError(source, "", "a Kubernetes object must be a mapping with apiVersion and kind")], []);
        }

        var kind = Scalar(mapping, "kind");
        var apiVersion = Scalar(mapping, "apiVersion");
        if (string.IsNullOrEmpty(kind))
        {
            return new DocumentResult(null, [new FieldError(source, "kind", "Required value")], []);
        }

        if (!Kinds.TryGetValue(kind, out var known))
        {
            return new DocumentResult(null, [], [new FieldError(source, "kind", $"unsupported kind \"{kind}\" ({apiVersion}), skipped")]);
        }

        if (apiVersion != known.ApiVersion)
        {
            return new DocumentResult(null, [new FieldError(source, "apiVersion", $"Unsupported value: \"{apiVersion}\": supported values: \"{known.ApiVersion}\"")], []);
        }

        var binder = new ModelBinder(source);
        var json = binder.Bind(root, known.Model, "");
        if (json is null)
        {
            return new DocumentResult(null, binder.Errors, binder.Warnings);
        }

        // Deserialize even after binding errors (bad fields were left out) so that semantic checks
        // report their errors in the same pass; the model is only returned when all is clean.
        var model = Deserialize(json, known.Model);
        if (model is V1Pod pod)
        {
            var hostCgroupNamespace = binder.ExtensionValues.GetValueOrDefault("spec.hostCgroupNamespace")?.GetValue<bool>();
            var manifest = new PodManifest(source, pod, hostCgroupNamespace);

            // What plan and play both refuse or warn about: the API server's rules, then what
            // Berth's runtime supports (values, then fields by the catalog).
            var (unsupported, ignored) = PodFieldCheck.Check(manifest);
            var semantic = PodValidator.Validate(manifest).Concat(RuntimeSupport.Check(manifest)).Concat(unsupported)
                .Where(e => !binder.Errors.Any(b => b.Path == e.Path)); // a field with a type error was left out; do not also report it as missing
            List<FieldError> errors = [.. binder.Errors, .. semantic];
            List<FieldError> warnings = [.. binder.Warnings, .. ignored];
            return new DocumentResult(errors.Count == 0 ? manifest with { Warnings = warnings } : null, errors, warnings);
        }

        // Policy objects are checked as the API server checks them before storing them.
        var (policyErrors, policyWarnings) = model switch
        {
            V1LimitRange range => LimitRangeValidation.Validate(range, source) is var check ? (check.Errors, check.Warnings) : default,
            V1Namespace ns => (NamespaceErrors(ns, source), []),
            _ => ((IReadOnlyList<FieldError>)[], (IReadOnlyList<FieldError>)[]),
        };
        List<FieldError> all = [.. binder.Errors, .. policyErrors.Where(e => !binder.Errors.Any(b => b.Path == e.Path))];
        return new DocumentResult(all.Count == 0 ? model : null, all, [.. binder.Warnings, .. policyWarnings]);
    }

    /// <summary>A Namespace needs a name, and PSA refuses pod-security labels it cannot read
    /// when the namespace is stored, not when its first pod comes.</summary>
    private static IReadOnlyList<FieldError> NamespaceErrors(V1Namespace ns, string source)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(ns.Metadata?.Name))
        {
            errors.Add(new FieldError(source, "metadata.name", "Required value: name or generateName is required"));
        }
        else if (Dns1123.CheckLabel(ns.Metadata.Name) is { } problem)
        {
            errors.Add(new FieldError(source, "metadata.name", $"Invalid value: \"{ns.Metadata.Name}\": {problem}"));
        }

        if (ns.Metadata?.Labels is { Count: > 0 } labels)
        {
            errors.AddRange(PodSecurityLabels.PolicyFor(labels.AsReadOnly(), PodSecurityPolicy.Privileged, source).Errors);
        }

        return errors;
    }

    private static object Deserialize(JsonNode json, Type type) =>
        type == typeof(V1Pod) ? KubernetesJson.Deserialize<V1Pod>(json, null)
        : type == typeof(V1LimitRange) ? KubernetesJson.Deserialize<V1LimitRange>(json, null)
        : type == typeof(V1Secret) ? KubernetesJson.Deserialize<V1Secret>(json, null)
        : KubernetesJson.Deserialize<V1Namespace>(json, null);

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s ? s.Value : null;
}
