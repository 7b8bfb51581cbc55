using Berth.Core.Manifests;
using Berth.Core.Planning;
using Berth.Node.Configuration;
using Berth.Runtime;

namespace Berth.Cli.Commands;

/// <summary>
/// The serve flags of Memory QoS (KEP-2570) over the configuration file's values: the MemoryQoS
/// feature gate (<c>--feature-gates MemoryQoS=true</c> or <c>featureGates</c>),
/// <c>memoryThrottlingFactor</c> and <c>memoryReservationPolicy</c>. A flag given wins.
/// </summary>
public static class MemoryQosFlags
{
    /// <summary>The feature gates Berth knows; others are warned about and ignored.</summary>
    public static readonly IReadOnlyList<string> KnownGates = ["MemoryQoS"];

    /// <param name="featureGates">Flag values, each "Name=true,Other=false" (the kubelet's form); null when not given.</param>
    /// <exception cref="ValidationException">A bad gate, factor or policy; the agent does not start.</exception>
    public static MemoryQosOptions Resolve(string? configFile, string[]? featureGates, string? factorFlag, string? policyFlag, TextWriter warnings)
    {
        var errors = new List<string>();
        var file = configFile is null ? null : KubeletConfigFile.Load(Path.GetFullPath(configFile));
        var gates = new Dictionary<string, bool>(file?.FeatureGates ?? new Dictionary<string, bool>(), StringComparer.Ordinal);
        foreach (var pair in (featureGates ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || pair[(eq + 1)..] is not ("true" or "false"))
            {
                errors.Add($"--feature-gates: Invalid value: \"{pair}\": must be Name=true or Name=false");
                continue;
            }

            gates[pair[..eq]] = pair[(eq + 1)..] == "true";
        }

        foreach (var unknown in gates.Keys.Where(g => !KnownGates.Contains(g)))
        {
            warnings.WriteLine($"warning: feature gate \"{unknown}\" is not known to Berth; ignored");
        }

        var factor = factorFlag is null ? file?.MemoryThrottlingFactor : KubeletConfigFile.ThrottlingFactor(factorFlag, "--memory-throttling-factor", errors);
        var policy = policyFlag is null ? file?.MemoryReservationPolicy : KubeletConfigFile.ReservationPolicy(policyFlag, "--memory-reservation-policy", errors);
        if (errors.Count > 0)
        {
            throw new ValidationException([.. errors.Select(e => new FieldError("berth serve", e[..e.IndexOf(": ", StringComparison.Ordinal)], e[(e.IndexOf(": ", StringComparison.Ordinal) + 2)..]))]);
        }

        return new MemoryQosOptions(
            gates.GetValueOrDefault("MemoryQoS"),
            factor ?? MemoryQosSettings.DefaultThrottlingFactor,
            policy ?? MemoryReservationPolicy.None);
    }
}
