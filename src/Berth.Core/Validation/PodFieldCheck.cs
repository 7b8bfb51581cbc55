using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;
using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// Applies <see cref="PodFieldCatalog"/> to a bound pod: a set Refused field is an error, a set
/// Warned field a warning, and an Implemented object field is walked into. "Set" means present
/// and not empty, as the API server reads an empty list or string as unset.
/// </summary>
public static class PodFieldCheck
{
    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, string Name)[]> Fields = new();

    public static (IReadOnlyList<FieldError> Errors, IReadOnlyList<FieldError> Warnings) Check(PodManifest manifest)
    {
        var errors = new List<FieldError>();
        var warnings = new List<FieldError>();
        Walk(manifest.Pod, "", manifest.Source, errors, warnings);
        return (errors, warnings);
    }

    /// <summary>The JSON fields of a KubernetesClient model, by their wire names.</summary>
    public static IReadOnlyList<(PropertyInfo Property, string Name)> FieldsOf(Type model) =>
        Fields.GetOrAdd(model, t => [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(x => x.Name is not null)
            .Select(x => (x.Property, x.Name!))]);

    /// <summary>A type the catalog walks into: a model object, not a value such as a quantity.</summary>
    public static bool IsModel(Type type) =>
        type.IsClass && type.Namespace == typeof(V1Pod).Namespace && type != typeof(ResourceQuantity) && type != typeof(IntOrString);

    /// <summary>The model type a property holds: itself, or the items of a list or map of models.</summary>
    public static Type? ModelOf(Type type)
    {
        if (IsModel(type))
        {
            return type;
        }

        var generic = type.IsGenericType ? type.GetGenericArguments() : [];
        return generic.Length > 0 && IsModel(generic[^1]) && typeof(IEnumerable).IsAssignableFrom(type) ? generic[^1] : null;
    }

    private static void Walk(object model, string path, string source, List<FieldError> errors, List<FieldError> warnings)
    {
        var type = model.GetType();
        foreach (var (property, name) in FieldsOf(type))
        {
            var value = property.GetValue(model);
            if (!IsSet(value))
            {
                continue;
            }

            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            var rule = PodFieldCatalog.Find(type, name) ?? new FieldRule(FieldTreatment.Refused, "Berth does not know this field");
            switch (rule.Treatment)
            {
                case FieldTreatment.Refused:
                    errors.Add(new FieldError(source, fieldPath, $"Unsupported value: {rule.Note}"));
                    break;
                case FieldTreatment.Warned when !IsEmptyModel(value!):
                    warnings.Add(new FieldError(source, fieldPath, $"ignored: {rule.Note}"));
                    break;
                case FieldTreatment.Warned:
                    break;
                default:
                    WalkValue(value!, fieldPath, source, errors, warnings);
                    break;
            }
        }
    }

    private static void WalkValue(object value, string path, string source, List<FieldError> errors, List<FieldError> warnings)
    {
        if (IsModel(value.GetType()))
        {
            Walk(value, path, source, errors, warnings);
        }
        else if (value is IDictionary map)
        {
            foreach (DictionaryEntry entry in map)
            {
                if (entry.Value is { } item && IsModel(item.GetType()))
                {
                    Walk(item, $"{path}.{entry.Key}", source, errors, warnings);
                }
            }
        }
        else if (value is IList list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is { } item && IsModel(item.GetType()))
                {
                    Walk(item, $"{path}[{i}]", source, errors, warnings);
                }
            }
        }
    }

    /// <summary>An object with nothing set (<c>status: {}</c> from kubectl's dry runs) ignores
    /// nothing, so it is not worth a warning. A refusal never depends on this: <c>configMap: {}</c>
    /// still asks for a volume type Berth does not have.</summary>
    private static bool IsEmptyModel(object value) =>
        IsModel(value.GetType()) && FieldsOf(value.GetType()).All(f => !IsSet(f.Property.GetValue(value)) || (IsModel(f.Property.PropertyType) && IsEmptyModel(f.Property.GetValue(value)!)));

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };
}
