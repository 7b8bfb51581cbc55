using Berth.Core.Manifests;
using Berth.Core.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The node's Pod Security Admission configuration, a
/// <c>pod-security.admission.config.k8s.io/v1</c> <c>PodSecurityConfiguration</c> as the API
/// server reads it (pod-security-admission admission/api/v1): <c>defaults</c> for namespaces
/// without labels (each level <c>privileged</c> and each version <c>latest</c> when unset or
/// empty) and <c>exemptions</c>. Unknown fields are warnings; a bad value is a field error
/// naming its path, worded as PSA's validation.
/// </summary>
public sealed record PodSecurityConfiguration
{
    public const string ApiVersion = "pod-security.admission.config.k8s.io/v1";
    public const string Kind = "PodSecurityConfiguration";

    /// <summary>No configuration: privileged:latest in every mode, no exemptions.</summary>
    public static PodSecurityConfiguration Default { get; } = new();

    public PodSecurityPolicy Defaults { get; init; } = PodSecurityPolicy.Privileged;

    /// <summary>Namespaces whose pods are not checked.</summary>
    public IReadOnlyList<string> ExemptNamespaces { get; init; } = [];

    /// <summary>RuntimeClass names whose pods are not checked.</summary>
    public IReadOnlyList<string> ExemptRuntimeClasses { get; init; } = [];

    /// <summary>Read and validated; Berth has no authenticated users, so nothing matches them.</summary>
    public IReadOnlyList<string> ExemptUsernames { get; init; } = [];

    /// <summary>Fields Berth does not know, for the user.</summary>
    public IReadOnlyList<FieldError> Warnings { get; init; } = [];

    /// <exception cref="ValidationException">Not a PodSecurityConfiguration, or a bad value.</exception>
    public static PodSecurityConfiguration Parse(string text, string source)
    {
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

        var reader = new Reader(source);
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        var exemptions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in reader.Fields(root, ""))
        {
            switch (name)
            {
                case "apiVersion":
                    reader.Expect(value, name, ApiVersion);
                    break;
                case "kind":
                    reader.Expect(value, name, Kind);
                    break;
                case "defaults":
                    foreach (var (field, node) in reader.Fields(value, name))
                    {
                        if (field is "enforce" or "enforce-version" or "audit" or "audit-version" or "warn" or "warn-version")
                        {
                            defaults[field] = reader.String(node, $"{name}.{field}") ?? "";
                        }
                        else
                        {
                            reader.Unknown($"{name}.{field}");
                        }
                    }

                    break;
                case "exemptions":
                    foreach (var (field, node) in reader.Fields(value, name))
                    {
                        if (field is "namespaces" or "runtimeClasses" or "usernames")
                        {
                            exemptions[field] = reader.Strings(node, $"{name}.{field}");
                        }
                        else
                        {
                            reader.Unknown($"{name}.{field}");
                        }
                    }

                    break;
                default:
                    reader.Unknown(name);
                    break;
            }
        }

        foreach (var required in new[] { "apiVersion", "kind" })
        {
            if (!root.Children.ContainsKey(new YamlScalarNode(required)))
            {
                reader.Error(required, $"Required value: must be {(required == "kind" ? Kind : ApiVersion)}");
            }
        }

        // In the order PSA's validation reports them.
        var enforce = reader.LevelVersion(defaults, "enforce");
        var warn = reader.LevelVersion(defaults, "warn");
        var audit = reader.LevelVersion(defaults, "audit");
        var namespaces = reader.Names(exemptions, "namespaces", Dns1123.CheckLabel);
        var runtimeClasses = reader.Names(exemptions, "runtimeClasses", Dns1123.CheckSubdomain);
        var usernames = reader.Names(exemptions, "usernames", u => u.Length == 0 ? "username must not be empty" : null);
        if (reader.Errors.Count > 0)
        {
            throw new ValidationException(reader.Errors);
        }

        return new PodSecurityConfiguration
        {
            Defaults = new PodSecurityPolicy(enforce, audit, warn),
            ExemptNamespaces = namespaces,
            ExemptRuntimeClasses = runtimeClasses,
            ExemptUsernames = usernames,
            Warnings = reader.Warnings,
        };
    }

    /// <summary>Field-by-field reading with the errors and warnings collected, so a user fixes a
    /// file in one pass.</summary>
    private sealed class Reader(string source)
    {
        public List<FieldError> Errors { get; } = [];

        public List<FieldError> Warnings { get; } = [];

        public void Error(string path, string message) => Errors.Add(new FieldError(source, path, message));

        public void Unknown(string path) => Warnings.Add(new FieldError(source, path, "unknown field"));

        /// <summary>The fields of a mapping; an error when the node is not one (null is empty).</summary>
        public IEnumerable<(string Name, YamlNode Value)> Fields(YamlNode node, string path)
        {
            if (IsNull(node))
            {
                return [];
            }

            if (node is not YamlMappingNode map)
            {
                Error(path, "Invalid value: must be an object");
                return [];
            }

            return map.Children.Select(c => ((c.Key as YamlScalarNode)?.Value ?? "", c.Value));
        }

        public void Expect(YamlNode node, string path, string wanted)
        {
            if ((node as YamlScalarNode)?.Value != wanted)
            {
                Error(path, $"Unsupported value: \"{(node as YamlScalarNode)?.Value}\": supported values: \"{wanted}\"");
            }
        }

        public string? String(YamlNode node, string path)
        {
            if (IsNull(node))
            {
                return null;
            }

            if (node is YamlScalarNode scalar)
            {
                return scalar.Value;
            }

            Error(path, "Invalid value: must be a string");
            return null;
        }

        public IReadOnlyList<string> Strings(YamlNode node, string path)
        {
            if (IsNull(node))
            {
                return [];
            }

            if (node is not YamlSequenceNode list)
            {
                Error(path, "Invalid value: must be a list of strings");
                return [];
            }

            var values = new List<string>();
            for (var i = 0; i < list.Children.Count; i++)
            {
                values.Add(String(list.Children[i], $"{path}[{i}]") ?? "");
            }

            return values;
        }

        /// <summary>A mode's level and version; empty or unset is privileged and latest, as PSA's defaulting.</summary>
        public PodSecurityLevelVersion LevelVersion(Dictionary<string, string> defaults, string mode)
        {
            var level = PodSecurityLevel.Privileged;
            if (defaults.GetValueOrDefault(mode, "") is { Length: > 0 } levelText)
            {
                if (PodSecurityLevels.Parse(levelText) is { } parsed)
                {
                    level = parsed;
                }
                else
                {
                    Error($"defaults.{mode}", $"Invalid value: \"{levelText}\": {PodSecurityLevels.Expected}");
                }
            }

            var version = PodSecurityVersion.Latest;
            if (defaults.GetValueOrDefault($"{mode}-version", "") is { Length: > 0 } versionText)
            {
                if (PodSecurityVersion.Parse(versionText) is { } parsed)
                {
                    version = parsed;
                }
                else
                {
                    Error($"defaults.{mode}-version", $"Invalid value: \"{versionText}\": {PodSecurityVersion.Expected}");
                }
            }

            return new PodSecurityLevelVersion(level, version);
        }

        /// <summary>An exemption list: each name valid and named once.</summary>
        public IReadOnlyList<string> Names(Dictionary<string, IReadOnlyList<string>> exemptions, string field, Func<string, string?> problem)
        {
            var names = exemptions.TryGetValue(field, out var listed) ? listed : [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var valid = new List<string>();
            for (var i = 0; i < names.Count; i++)
            {
                var path = $"exemptions.{field}[{i}]";
                if (problem(names[i]) is { } reason)
                {
                    Error(path, $"Invalid value: \"{names[i]}\": {reason}");
                }
                else if (!seen.Add(names[i]))
                {
                    Error(path, $"Duplicate value: \"{names[i]}\"");
                }
                else
                {
                    valid.Add(names[i]);
                }
            }

            return valid;
        }

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };
    }
}
