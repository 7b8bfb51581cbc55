using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Core.Manifests;

/// <summary>
/// Binds a YAML (or JSON) node tree to a KubernetesClient model type. It walks the tree against
/// the model's <see cref="JsonPropertyNameAttribute"/>s, so every type error is collected with its
/// field path instead of the first one aborting deserialization, and emits typed JSON that
/// <c>k8s.KubernetesJson</c> then turns into the model. Fields the upstream model lacks but Berth
/// understands (KEP-5714's <c>spec.hostCgroupNamespace</c>) are registered as extensions and
/// returned beside the model.
/// </summary>
internal sealed class ModelBinder(string source)
{
    /// <summary>Fields Berth reads although the generated model has no property for them.</summary>
    private static readonly Dictionary<(Type Owner, string Field), Type> Extensions = new()
    {
        [(typeof(V1PodSpec), "hostCgroupNamespace")] = typeof(bool),
    };

    private static readonly ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> PropertyMaps = new();

    public List<FieldError> Errors { get; } = [];

    public List<FieldError> Warnings { get; } = [];

    /// <summary>Extension field values by field path (e.g. <c>spec.hostCgroupNamespace</c>).</summary>
    public Dictionary<string, JsonNode?> ExtensionValues { get; } = [];

    public JsonNode? Bind(YamlNode node, Type type, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        type = Nullable.GetUnderlyingType(type) ?? type;

        if (type == typeof(string))
        {
            return BindString(node, path);
        }

        if (type == typeof(bool))
        {
            return BindBool(node, path);
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return BindInteger(node, path, type == typeof(int) ? int.MinValue : long.MinValue, type == typeof(int) ? int.MaxValue : long.MaxValue);
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return BindNumber(node, path);
        }

        if (type == typeof(ResourceQuantity))
        {
            return BindQuantity(node, path);
        }

        if (type == typeof(IntOrString))
        {
            return BindIntOrString(node, path);
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(byte[]) || type == typeof(TimeSpan))
        {
            return BindString(node, path);
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return BindDictionary(node, valueType, path);
        }

        if (ListItemType(type) is { } itemType)
        {
            return BindList(node, itemType, path);
        }

        if (type == typeof(object) || type == typeof(System.Text.Json.JsonElement))
        {
            return BindUntyped(node);
        }

        return BindObject(node, type, path);
    }

    private JsonNode? BindObject(YamlNode node, Type type, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            return TypeError(node, path, "object");
        }

        var properties = PropertyMaps.GetOrAdd(type, MapProperties);
        var result = new JsonObject();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var fieldPath = Join(path, key);
            if (result.ContainsKey(key) || ExtensionValues.ContainsKey(fieldPath))
            {
                Errors.Add(new FieldError(source, fieldPath, "Duplicate value: the field is set twice"));
                continue;
            }

            if (properties.TryGetValue(key, out var property))
            {
                SetUnlessFailed(result, key, () => Bind(valueNode, property.PropertyType, fieldPath));
            }
            else if (Extensions.TryGetValue((type, key), out var extensionType))
            {
                ExtensionValues[fieldPath] = Bind(valueNode, extensionType, fieldPath);
            }
            else
            {
                Warnings.Add(new FieldError(source, fieldPath, "unknown field, ignored"));
            }
        }

        return result;
    }

    private JsonNode BindDictionary(YamlNode node, Type valueType, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            return TypeError(node, path, "map")!;
        }

        var result = new JsonObject();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            SetUnlessFailed(result, key, () => Bind(valueNode, valueType, Join(path, key)));
        }

        return result;
    }

    /// <summary>A value that failed to bind is left out (its parent is kept), so the rest of the
    /// document can still be deserialized and checked: the user gets every error in one pass.</summary>
    private void SetUnlessFailed(JsonObject target, string key, Func<JsonNode?> bind)
    {
        var before = Errors.Count;
        var value = bind();
        if (value is not null || Errors.Count == before)
        {
            target[key] = value;
        }
    }

    private JsonNode BindList(YamlNode node, Type itemType, string path)
    {
        if (node is not YamlSequenceNode sequence)
        {
            return TypeError(node, path, "list")!;
        }

        var result = new JsonArray();
        var index = 0;
        foreach (var item in sequence.Children)
        {
            if (Bind(item, itemType, $"{path}[{index++}]") is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    private JsonNode? BindString(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            return TypeError(node, path, "string");
        }

        // A plain boolean or number becomes its text the way Kubernetes' reader writes it back.
        return JsonValue.Create(scalar.Style == ScalarStyle.Plain ? Yaml11.AsString(scalar.Value ?? "") : scalar.Value ?? "");
    }

    private JsonNode? BindBool(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && IsBoolLiteral(scalar.Value))
        {
            return JsonValue.Create(Yaml11.TryBool(scalar.Value, out var value) && value);
        }

        return TypeError(node, path, "boolean");
    }

    private JsonNode? BindInteger(YamlNode node, string path, long min, long max)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && IntegerOf(scalar.Value) is { } value)
        {
            if (value < min || value > max)
            {
                Errors.Add(new FieldError(source, path, $"Invalid value: {value}: out of range [{min}, {max}]"));
                return null;
            }

            return JsonValue.Create(value);
        }

        return TypeError(node, path, "integer");
    }

    private JsonNode? BindNumber(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar
            && (Yaml11.TryInteger(scalar.Value, out var integer) ? integer : Yaml11.TryFloat(scalar.Value, out var number) ? number : double.NaN) is var value
            && double.IsFinite(value))
        {
            return JsonValue.Create(value);
        }

        return TypeError(node, path, "number");
    }

    private JsonNode? BindQuantity(YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            return TypeError(node, path, "quantity");
        }

        // An unquoted integer is a number to Kubernetes' reader: 0644 is 420.
        var text = scalar.Style == ScalarStyle.Plain && Yaml11.TryInteger(scalar.Value, out var integer) ? integer.ToString(CultureInfo.InvariantCulture) : scalar.Value ?? "";
        if (!Quantity.TryParse(text, out var quantity, out var error))
        {
            Errors.Add(new FieldError(source, path, $"Invalid value: \"{text}\": {error}"));
            return null;
        }

        if (quantity.Value < 0)
        {
            Errors.Add(new FieldError(source, path, $"Invalid value: \"{text}\": must be greater than or equal to 0"));
            return null;
        }

        return JsonValue.Create(text.Trim());
    }

    private JsonNode? BindIntOrString(YamlNode node, string path) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain } s when Yaml11.TryInteger(s.Value, out var number) && number is >= int.MinValue and <= int.MaxValue => JsonValue.Create((int)number),
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        _ => TypeError(node, path, "integer or string"),
    };

    private static JsonNode? BindUntyped(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", BindUntyped(kv.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(BindUntyped)]),
        YamlScalarNode { Style: ScalarStyle.Plain } sc when Yaml11.TryBool(sc.Value, out var b) => JsonValue.Create(b),
        YamlScalarNode { Style: ScalarStyle.Plain } sc when Yaml11.TryInteger(sc.Value, out var l) => JsonValue.Create(l),
        YamlScalarNode sc when IsNull(sc) => null,
        YamlScalarNode sc => JsonValue.Create(sc.Value),
        _ => null,
    };

    private JsonNode? TypeError(YamlNode node, string path, string expected)
    {
        var got = node switch
        {
            YamlMappingNode => "object",
            YamlSequenceNode => "list",
            YamlScalarNode { Style: ScalarStyle.Plain } s when IsBoolLiteral(s.Value) => $"boolean {s.Value}",
            YamlScalarNode { Style: ScalarStyle.Plain } s when IsNumberLiteral(s.Value) => $"number {s.Value}",
            YamlScalarNode s => $"string \"{s.Value}\"",
            _ => "unknown node",
        };
        Errors.Add(new FieldError(source, path, $"Invalid type: expected {expected}, got {got} (line {node.Start.Line})"));
        return null;
    }

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain } s && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    // kubectl decodes YAML with YAML 1.1 rules (sigs.k8s.io/yaml), where y/yes/on are booleans too.
    private static bool IsBoolLiteral(string? value) => Yaml11.TryBool(value, out _);

    private static bool IsNumberLiteral(string? value) => Yaml11.TryInteger(value, out _) || Yaml11.TryFloat(value, out _);

    /// <summary>An integer as Kubernetes' reader sees one: YAML 1.1 integers, and floats with no
    /// fraction (JSON turns 8.0 into 8, which an integer field accepts).</summary>
    private static long? IntegerOf(string? text) =>
        Yaml11.TryInteger(text, out var integer) ? integer
        : Yaml11.TryFloat(text, out var number) && double.IsFinite(number) && number == Math.Floor(number) && Math.Abs(number) < 9.2e18 ? (long)number
        : null;

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static Dictionary<string, PropertyInfo> MapProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(x => x.Name is not null)
            .ToDictionary(x => x.Name!, x => x.Property, StringComparer.Ordinal);

    private static Type? DictionaryValueType(Type type) =>
        GenericArgumentsOf(type, typeof(IDictionary<,>)) is [var key, var value] && key == typeof(string) ? value : null;

    private static Type? ListItemType(Type type) =>
        type == typeof(string) ? null : GenericArgumentsOf(type, typeof(IList<>)) is [var item] ? item : null;

    private static Type[]? GenericArgumentsOf(Type type, Type openInterface)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openInterface)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openInterface)?.GetGenericArguments();
    }
}
