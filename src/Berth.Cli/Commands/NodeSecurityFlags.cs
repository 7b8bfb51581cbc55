using Berth.Core.Manifests;
using Berth.Core.Security;
using Berth.Node.Configuration;
using Berth.Runtime.Pods;

namespace Berth.Cli.Commands;

/// <summary>The serve flags for pod security, over the configuration file's values.</summary>
public static class NodeSecurityFlags
{
    /// <param name="unsafeSysctls">Flag values, each a comma-separated list (the kubelet's form); null when not given.</param>
    /// <exception cref="ValidationException">A bad file or pattern; the agent does not start.</exception>
    public static NodeSecurityOptions Resolve(string? configFile, bool? seccompDefault, string seccompProfileRoot, string[]? unsafeSysctls)
    {
        IReadOnlyList<string>? patterns = unsafeSysctls is null ? null : [.. unsafeSysctls.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        var problems = (patterns ?? []).Select(p => Sysctls.PatternProblem(p)).OfType<string>().ToList();
        if (problems.Count > 0)
        {
            throw new ValidationException([.. problems.Select(p => new FieldError("berth serve", "--allowed-unsafe-sysctls", $"Invalid value: {p}"))]);
        }

        var options = new NodeSecurityOptions { SeccompProfileRoot = seccompProfileRoot };
        if (configFile is null)
        {
            return options with { SeccompDefault = seccompDefault ?? false, AllowedUnsafeSysctls = patterns ?? [] };
        }

        var file = KubeletConfigFile.Load(Path.GetFullPath(configFile));
        foreach (var warning in file.Warnings)
        {
            Console.Error.WriteLine($"warning: {configFile}: {warning} (ignored: Berth does not implement it)");
        }

        return file.ApplyTo(options, seccompDefault, patterns);
    }
}
