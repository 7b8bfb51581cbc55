using Berth.Core.Manifests;
using Berth.Core.Security;
using Berth.Runtime.Pods;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Node.Configuration;

/// <summary>
/// The agent's configuration file (<c>berth serve --config</c>), a kubelet.config.k8s.io/v1beta1
/// KubeletConfiguration. Berth reads the fields it implements, each with one reader in
/// <see cref="Fields"/>; any other field is reported as a warning, as the kubelet's lenient
/// decoding does. A bad value is a field error naming its path. Flags given on the command
/// line override the file.
/// </summary>
public sealed partial record KubeletConfigFile
{
    public const string ApiVersion = "kubelet.config.k8s.io/v1beta1";
    public const string Kind = "KubeletConfiguration";

    /// <summary>The readers, one per field Berth honours; add a field by adding a line.</summary>
    private static readonly Dictionary<string, Func<KubeletConfigFile, YamlNode, string, List<string>, KubeletConfigFile>> Fields = new(StringComparer.Ordinal)
    {
        ["apiVersion"] = (c, n, p, e) => Expect(c, n, p, e, ApiVersion),
        ["kind"] = (c, n, p, e) => Expect(c, n, p, e, Kind),
        ["seccompDefault"] = (c, n, p, e) => Bool(n, p, e) is { } b ? c with { SeccompDefault = b } : c,
        ["allowedUnsafeSysctls"] = (c, n, p, e) => c with { AllowedUnsafeSysctls = SysctlPatterns(n, p, e) },
        ["featureGates"] = (c, n, p, e) => c with { FeatureGates = Gates(n, p, e) },
        ["memoryThrottlingFactor"] = (c, n, p, e) => c with { MemoryThrottlingFactor = ThrottlingFactor((n as YamlScalarNode)?.Value, p, e) },
        ["memoryReservationPolicy"] = (c, n, p, e) => c with { MemoryReservationPolicy = ReservationPolicy((n as YamlScalarNode)?.Value, p, e) },
    };

    /// <summary>seccompDefault; null when the file does not set it.</summary>
    public bool? SeccompDefault { get; init; }

    /// <summary>allowedUnsafeSysctls; null when the file does not set it.</summary>
    public IReadOnlyList<string>? AllowedUnsafeSysctls { get; init; }

    /// <summary>featureGates; null when the file does not set them.</summary>
    public IReadOnlyDictionary<string, bool>? FeatureGates { get; init; }

    /// <summary>memoryThrottlingFactor (Memory QoS); null when the file does not set it.</summary>
    public double? MemoryThrottlingFactor { get; init; }

    /// <summary>memoryReservationPolicy (Memory QoS); null when the file does not set it.</summary>
    public Berth.Core.Planning.MemoryReservationPolicy? MemoryReservationPolicy { get; init; }

    /// <summary>Fields of KubeletConfiguration Berth does not read.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <exception cref="ValidationException">The file cannot be read, is not a KubeletConfiguration, or has a bad value.</exception>
    public static KubeletConfigFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidationException([new FieldError(path, "", $"cannot read file: {e.Message}")]);
        }

        return Parse(text, path);
    }

    /// <exception cref="ValidationException">Not a KubeletConfiguration, or a bad value.</exception>
    public static KubeletConfigFile Parse(string text, string source)
    {
        var errors = new List<string>();
        var config = new KubeletConfigFile();
        var warnings = new List<string>();
        YamlMappingNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
        }
        catch (YamlException e)
        {
            throw new ValidationException([new FieldError(source, "", $"not valid YAML: {e.Message}")]);
        }

        if (root is null)
        {
            throw new ValidationException([new FieldError(source, "", $"Invalid value: expected a {Kind} object")]);
        }

        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (Fields.TryGetValue(name, out var read) || NodeFields.TryGetValue(name, out read))
            {
                config = read(config, value, name, errors);
            }
            else
            {
                warnings.Add($"unknown field \"{name}\"");
            }
        }

        foreach (var required in new[] { "apiVersion", "kind" })
        {
            if (!root.Children.ContainsKey(new YamlScalarNode(required)))
            {
                errors.Add($"{required}: Required value: must be {(required == "kind" ? Kind : ApiVersion)}");
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException([.. errors.Select(e => SplitPath(source, e))]);
        }

        return config with { Warnings = warnings };
    }

    /// <summary>The node's security options with the file's values under the flags':
    /// a flag given on the command line wins.</summary>
    public NodeSecurityOptions ApplyTo(NodeSecurityOptions options, bool? seccompDefaultFlag, IReadOnlyList<string>? allowedUnsafeSysctlsFlag) => options with
    {
        SeccompDefault = seccompDefaultFlag ?? SeccompDefault ?? options.SeccompDefault,
        AllowedUnsafeSysctls = allowedUnsafeSysctlsFlag ?? AllowedUnsafeSysctls ?? options.AllowedUnsafeSysctls,
    };

    /// <summary>memoryThrottlingFactor's rule: a number in (0, 1].</summary>
    public static double? ThrottlingFactor(string? text, string path, List<string> errors)
    {
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var factor) && factor > 0 && factor <= 1)
        {
            return factor;
        }

        errors.Add($"{path}: Invalid value: \"{text}\": must be greater than 0 and less than or equal to 1");
        return null;
    }

    /// <summary>memoryReservationPolicy's values.</summary>
    public static Berth.Core.Planning.MemoryReservationPolicy? ReservationPolicy(string? text, string path, List<string> errors)
    {
        if (Enum.TryParse<Berth.Core.Planning.MemoryReservationPolicy>(text, ignoreCase: false, out var policy) && Enum.IsDefined(policy) && !int.TryParse(text, out _))
        {
            return policy;
        }

        errors.Add($"{path}: Unsupported value: \"{text}\": supported values: \"None\", \"TieredReservation\"");
        return null;
    }

    private static IReadOnlyDictionary<string, bool>? Gates(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{path}: Invalid value: must be a map of feature gate names to true or false");
            return null;
        }

        var gates = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (Bool(value, $"{path}.{name}", errors) is { } on)
            {
                gates[name] = on;
            }
        }

        return gates;
    }

    private static FieldError SplitPath(string source, string error)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        return new FieldError(source, error[..colon], error[(colon + 2)..]);
    }

    private static KubeletConfigFile Expect(KubeletConfigFile config, YamlNode node, string path, List<string> errors, string wanted)
    {
        if ((node as YamlScalarNode)?.Value != wanted)
        {
            errors.Add($"{path}: Unsupported value: \"{(node as YamlScalarNode)?.Value}\": supported values: \"{wanted}\"");
        }

        return config;
    }

    private static bool? Bool(YamlNode node, string path, List<string> errors)
    {
        if (node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted), Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        errors.Add($"{path}: Invalid value: \"{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}\": must be true or false");
        return null;
    }

    private static IReadOnlyList<string>? SysctlPatterns(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlSequenceNode list)
        {
            errors.Add($"{path}: Invalid value: must be a list of sysctl names or patterns");
            return null;
        }

        var patterns = new List<string>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var pattern = (list.Children[i] as YamlScalarNode)?.Value ?? "";
            if (Sysctls.PatternProblem(pattern) is { } problem)
            {
                errors.Add($"{path}[{i}]: Invalid value: {problem}");
            }

            patterns.Add(pattern);
        }

        return patterns;
    }
}
