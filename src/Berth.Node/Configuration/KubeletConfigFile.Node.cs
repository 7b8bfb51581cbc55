using System.Globalization;
using Berth.Core.Capacity;
using YamlDotNet.RepresentationModel;

namespace Berth.Node.Configuration;

/// <summary>The KubeletConfiguration fields of node protection: cgroups, node allocatable,
/// eviction, admission limits, static pods and image garbage collection.</summary>
public sealed partial record KubeletConfigFile
{
    private static readonly Dictionary<string, Func<KubeletConfigFile, YamlNode, string, List<string>, KubeletConfigFile>> NodeFields = new(StringComparer.Ordinal)
    {
        ["cgroupDriver"] = (c, n, p, e) => c with { CgroupDriver = CgroupDriverValue(Scalar(n), p, e) },
        ["cgroupRoot"] = (c, n, p, e) => c with { CgroupRoot = CgroupPathValue(Scalar(n), p, e) },
        ["cgroupsPerQOS"] = (c, n, p, e) => c with { CgroupsPerQos = PerQos(Bool(n, p, e), p, e) },
        ["enforceNodeAllocatable"] = (c, n, p, e) => c with { EnforceNodeAllocatable = Enforcement(Strings(n, p, e), p, e) },
        ["systemReserved"] = (c, n, p, e) => c with { SystemReserved = NodeResources.Parse(Map(n, p, e), p, e) },
        ["kubeReserved"] = (c, n, p, e) => c with { KubeReserved = NodeResources.Parse(Map(n, p, e), p, e) },
        ["systemReservedCgroup"] = (c, n, p, e) => c with { SystemReservedCgroup = CgroupPathValue(Scalar(n), p, e) },
        ["kubeReservedCgroup"] = (c, n, p, e) => c with { KubeReservedCgroup = CgroupPathValue(Scalar(n), p, e) },
        ["evictionHard"] = (c, n, p, e) => c with { EvictionHard = EvictionThresholds.Parse(Map(n, p, e), p, e) },
        ["evictionSoft"] = (c, n, p, e) => c with { EvictionSoft = EvictionThresholds.Parse(Map(n, p, e), p, e) },
        ["evictionSoftGracePeriod"] = (c, n, p, e) => c with { EvictionSoftGracePeriod = GracePeriods(Map(n, p, e), p, e) },
        ["evictionPressureTransitionPeriod"] = (c, n, p, e) => c with { EvictionPressureTransitionPeriod = Duration(Scalar(n), p, e) },
        ["evictionMinimumReclaim"] = (c, n, p, e) => c with { EvictionMinimumReclaim = EvictionThresholds.ParseMinimumReclaim(Map(n, p, e), p, e) },
        ["evictionMaxPodGracePeriod"] = (c, n, p, e) => c with { EvictionMaxPodGracePeriod = (int?)Integer(Scalar(n), p, e, min: int.MinValue, max: int.MaxValue) },
        ["mergeDefaultEvictionSettings"] = (c, n, p, e) => c with { MergeDefaultEvictionSettings = Bool(n, p, e) },
        ["podPidsLimit"] = (c, n, p, e) => c with { PodPidsLimit = Integer(Scalar(n), p, e, min: -1) is { } v && v != 0 ? v : Zero(p, e) },
        ["maxPods"] = (c, n, p, e) => c with { MaxPods = (int?)Integer(Scalar(n), p, e, min: 0, max: int.MaxValue) },
        ["staticPodPath"] = (c, n, p, e) => c with { StaticPodPath = Scalar(n) },
        ["imageGCHighThresholdPercent"] = (c, n, p, e) => c with { ImageGcHighThresholdPercent = (int?)Integer(Scalar(n), p, e, min: 0, max: 100) },
        ["imageGCLowThresholdPercent"] = (c, n, p, e) => c with { ImageGcLowThresholdPercent = (int?)Integer(Scalar(n), p, e, min: 0, max: 100) },
    };

    /// <summary>cgroupDriver: only cgroupfs for now.</summary>
    public string? CgroupDriver { get; init; }

    public string? CgroupRoot { get; init; }

    public bool? CgroupsPerQos { get; init; }

    public AllocatableEnforcement? EnforceNodeAllocatable { get; init; }

    public NodeResources? SystemReserved { get; init; }

    public NodeResources? KubeReserved { get; init; }

    public string? SystemReservedCgroup { get; init; }

    public string? KubeReservedCgroup { get; init; }

    public IReadOnlyList<EvictionThreshold>? EvictionHard { get; init; }

    public IReadOnlyList<EvictionThreshold>? EvictionSoft { get; init; }

    public IReadOnlyDictionary<string, TimeSpan>? EvictionSoftGracePeriod { get; init; }

    public TimeSpan? EvictionPressureTransitionPeriod { get; init; }

    /// <summary>evictionMinimumReclaim: by signal, an amount or a percentage above 0%.</summary>
    public IReadOnlyDictionary<string, EvictionThreshold>? EvictionMinimumReclaim { get; init; }

    /// <summary>evictionMaxPodGracePeriod: seconds (an int32); negative defers to the pod's own grace period.</summary>
    public int? EvictionMaxPodGracePeriod { get; init; }

    /// <summary>mergeDefaultEvictionSettings: evictionHard's unset signals keep their defaults
    /// (without it, a file's evictionHard replaces the defaults, as in the kubelet).</summary>
    public bool? MergeDefaultEvictionSettings { get; init; }

    public long? PodPidsLimit { get; init; }

    public int? MaxPods { get; init; }

    public string? StaticPodPath { get; init; }

    public int? ImageGcHighThresholdPercent { get; init; }

    public int? ImageGcLowThresholdPercent { get; init; }

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    private static string? CgroupDriverValue(string? text, string path, List<string> errors)
    {
        if (text == "systemd")
        {
            errors.Add($"{path}: Unsupported value: \"systemd\": supported values: \"cgroupfs\" (Berth does not drive cgroups through systemd yet; use cgroupfs)");
            return null;
        }

        if (text != "cgroupfs")
        {
            errors.Add($"{path}: Unsupported value: \"{text}\": supported values: \"cgroupfs\"");
            return null;
        }

        return text;
    }

    private static string? CgroupPathValue(string? text, string path, List<string> errors)
    {
        if (string.IsNullOrEmpty(text) || !text.StartsWith('/') || text.Split('/').Any(c => c is "." or ".."))
        {
            errors.Add($"{path}: Invalid value: \"{text}\": must be an absolute cgroup path such as /system.slice");
            return null;
        }

        return text;
    }

    private static bool? PerQos(bool? value, string path, List<string> errors)
    {
        if (value == false)
        {
            errors.Add($"{path}: Unsupported value: false: supported values: true (Berth always keeps pods in the kubelet's QoS cgroups)");
        }

        return value;
    }

    private static AllocatableEnforcement? Enforcement(IReadOnlyList<string>? values, string path, List<string> errors)
    {
        if (values is null)
        {
            return null;
        }

        var result = AllocatableEnforcement.None;
        for (var i = 0; i < values.Count; i++)
        {
            switch (values[i])
            {
                case "pods": result |= AllocatableEnforcement.Pods; break;
                case "system-reserved": result |= AllocatableEnforcement.SystemReserved; break;
                case "kube-reserved": result |= AllocatableEnforcement.KubeReserved; break;
                case "none" when values.Count == 1: break;
                case "none": errors.Add($"{path}[{i}]: Invalid value: \"none\": \"none\" cannot be combined with other values"); break;
                default: errors.Add($"{path}[{i}]: Unsupported value: \"{values[i]}\": supported values: \"pods\", \"system-reserved\", \"kube-reserved\", \"none\""); break;
            }
        }

        return result;
    }

    private static Dictionary<string, TimeSpan> GracePeriods(IEnumerable<KeyValuePair<string, string?>> entries, string path, List<string> errors)
    {
        var periods = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (signal, text) in entries)
        {
            if (!EvictionThresholds.Signals.Contains(signal))
            {
                errors.Add($"{path}.{signal}: Unsupported value: \"{signal}\": not an eviction signal");
            }
            else if (Duration(text, $"{path}.{signal}", errors) is { } period)
            {
                periods[signal] = period;
            }
        }

        return periods;
    }

    private static TimeSpan? Duration(string? text, string path, List<string> errors)
    {
        if (GoDuration.TryParse(text, out var duration) && duration >= TimeSpan.Zero)
        {
            return duration;
        }

        errors.Add($"{path}: Invalid value: \"{text}\": must be a duration such as 30s or 5m0s");
        return null;
    }

    private static long? Integer(string? text, string path, List<string> errors, long min = long.MinValue, long max = long.MaxValue)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{path}: Invalid value: \"{text}\": must be an integer{(max == long.MaxValue ? $" of at least {min}" : $" from {min} to {max}")}");
        return null;
    }

    private static long? Zero(string path, List<string> errors)
    {
        if (!errors.Any(e => e.StartsWith(path + ":", StringComparison.Ordinal)))
        {
            errors.Add($"{path}: Invalid value: \"0\": must be -1 (unlimited) or positive");
        }

        return null;
    }

    private static List<KeyValuePair<string, string?>> Map(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add($"{path}: Invalid value: must be a map");
            return [];
        }

        return [.. map.Children.Select(c => new KeyValuePair<string, string?>(Scalar(c.Key) ?? "", Scalar(c.Value)))];
    }

    private static List<string>? Strings(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlSequenceNode list)
        {
            errors.Add($"{path}: Invalid value: must be a list of strings");
            return null;
        }

        return [.. list.Children.Select(c => Scalar(c) ?? "")];
    }
}
