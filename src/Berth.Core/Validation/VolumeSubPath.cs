using System.Text;
using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// What a volumeMount's subPath or subPathExpr names inside its volume, and the rules it must
/// follow: the API server's (a relative path without "..", subPath and subPathExpr mutually
/// exclusive) and the kubelet's expansion of <c>$(VAR)</c> from the container's environment.
/// </summary>
public static class VolumeSubPath
{
    /// <summary>The API server's validateLocalDescendingPath, in Berth's words.</summary>
    public const string NotRelative = "must be a relative path without '..'";

    /// <summary>Null when <paramref name="path"/> stays inside its volume by its text alone:
    /// relative, and no ".." component (symlinks are the node's business).</summary>
    public static string? RelativeProblem(string path) =>
        path.StartsWith('/') || path.Split('/').Contains("..") ? NotRelative : null;

    /// <summary>
    /// The kubelet's variable syntax (third_party/forked/golang/expansion): <c>$(NAME)</c> is
    /// replaced by <paramref name="lookup"/>'s value, <c>$$</c> is a literal <c>$</c>, and anything
    /// else (an unknown name when the lookup gives null, an unclosed <c>$(</c>, a lone <c>$</c>)
    /// stays as written.
    /// </summary>
    public static string Expand(string input, Func<string, string?> lookup)
    {
        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 == input.Length)
            {
                result.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            var close = next == '(' ? input.IndexOf(')', i + 2) : -1;
            if (close < 0)
            {
                // Not a reference: "$x" and an unclosed "$(" are kept as they are.
                result.Append('$').Append(next);
                i++;
                continue;
            }

            var name = input[(i + 2)..close];
            result.Append(lookup(name) ?? $"$({name})");
            i = close;
        }

        return result.ToString();
    }

    /// <summary>
    /// subPathExpr as the kubelet expands it (pkg/kubelet/container/helpers.go
    /// ExpandContainerVolumeMounts): unlike in command and args, a variable that is not set, or is
    /// empty, is an error, so a path never silently loses a component.
    /// </summary>
    /// <param name="missing">The names without a value, sorted; empty when the expansion is good.</param>
    public static string ExpandExpr(string expression, IReadOnlyDictionary<string, string> env, out IReadOnlyList<string> missing)
    {
        var absent = new SortedSet<string>(StringComparer.Ordinal);
        var expanded = Expand(expression, name =>
        {
            if (env.TryGetValue(name, out var value) && value.Length > 0)
            {
                return value;
            }

            absent.Add(name);
            return "";
        });
        missing = [.. absent];
        return expanded;
    }

    /// <summary>The kubelet's message for variables without a value.</summary>
    public static string MissingMessage(IReadOnlyList<string> missing) => $"missing value for {string.Join(", ", missing)}";

    /// <summary>The container's literal environment, a later entry winning over an earlier one of
    /// the same name (the kubelet's envVarsToMap).</summary>
    public static IReadOnlyDictionary<string, string> EnvOf(V1Container container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null)
            {
                env[variable.Name] = variable.Value ?? "";
            }
        }

        return env;
    }

    /// <summary>The names <paramref name="expression"/> refers to with <c>$(NAME)</c>.</summary>
    public static IReadOnlyList<string> References(string expression)
    {
        var names = new List<string>();
        Expand(expression, name =>
        {
            names.Add(name);
            return "";
        });
        return names;
    }

    /// <summary>
    /// The API server's rules for one volumeMount's subPath and subPathExpr, and, since Berth's
    /// environment values are literal, the kubelet's expansion too: a subPathExpr whose value is
    /// not a relative path without "..", or that names a variable without a value, is refused
    /// before anything runs. A variable set from valueFrom is left to the node.
    /// </summary>
    public static void Validate(V1Container container, V1VolumeMount mount, string path, Action<string, string> add)
    {
        if (mount.SubPath is { Length: > 0 } subPath && RelativeProblem(subPath) is { } problem)
        {
            add($"{path}.subPath", $"Invalid value: \"{subPath}\": {problem}");
        }

        if (mount.SubPathExpr is not { Length: > 0 } expression)
        {
            return;
        }

        if (mount.SubPath is { Length: > 0 })
        {
            add($"{path}.subPathExpr", $"Invalid value: \"{expression}\": subPathExpr and subPath are mutually exclusive");
        }

        if (RelativeProblem(expression) is { } exprProblem)
        {
            add($"{path}.subPathExpr", $"Invalid value: \"{expression}\": {exprProblem}");
            return;
        }

        var fromNode = (container.Env ?? []).Where(e => e.ValueFrom is not null).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        if (References(expression).Any(fromNode.Contains))
        {
            return;
        }

        var expanded = ExpandExpr(expression, EnvOf(container), out var missing);
        if (missing.Count > 0)
        {
            add($"{path}.subPathExpr", $"Invalid value: \"{expression}\": {MissingMessage(missing)}");
        }
        else if (RelativeProblem(expanded) is { } expandedProblem)
        {
            add($"{path}.subPathExpr", $"Invalid value: \"{expression}\": expands to \"{expanded}\": {expandedProblem}");
        }
    }
}
