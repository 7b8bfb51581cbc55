using System.Globalization;
using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Capacity;

/// <summary>One eviction threshold: a signal and the level below which it fires, as an amount
/// (memory and disk in bytes, inodes and pids as counts) or a fraction of the signal's capacity.</summary>
public sealed record EvictionThreshold(string Signal, long? Amount, double? Fraction)
{
    /// <summary>The threshold in the signal's unit for a node whose capacity of it is <paramref name="capacity"/>.</summary>
    public long Against(long capacity) => Amount ?? (long)Math.Ceiling(capacity * Fraction!.Value);

    /// <summary>The suffix format the amount was written in ("100Mi" binary, "500M" decimal), because
    /// the kubelet's eviction message prints the threshold as written (Quantity.String()).</summary>
    public ResourceQuantity.SuffixFormat AmountFormat { get; init; } = ResourceQuantity.SuffixFormat.BinarySI;

    /// <summary>As the kubelet writes it: "100Mi" style amounts as plain numbers, fractions as "10%".</summary>
    public override string ToString() => Amount is { } amount
        ? amount.ToString(CultureInfo.InvariantCulture)
        : $"{(Fraction!.Value * 100).ToString("0.###", CultureInfo.InvariantCulture)}%";
}

/// <summary>
/// The kubelet's eviction thresholds (evictionHard, evictionSoft): the signals it knows, their
/// Linux defaults, and how a file's map or a flag's "signal&lt;value,..." list is read
/// (pkg/kubelet/eviction/api, pkg/kubelet/apis/config/v1beta1 defaults).
/// </summary>
public static class EvictionThresholds
{
    public const string MemoryAvailable = "memory.available";
    public const string NodeFsAvailable = "nodefs.available";
    public const string NodeFsInodesFree = "nodefs.inodesFree";
    public const string ImageFsAvailable = "imagefs.available";
    public const string ImageFsInodesFree = "imagefs.inodesFree";
    public const string ContainerFsAvailable = "containerfs.available";
    public const string ContainerFsInodesFree = "containerfs.inodesFree";
    public const string PidAvailable = "pid.available";
    public const string AllocatableMemoryAvailable = "allocatableMemory.available";

    public static readonly IReadOnlyList<string> Signals =
    [
        MemoryAvailable, AllocatableMemoryAvailable, NodeFsAvailable, NodeFsInodesFree, ImageFsAvailable, ImageFsInodesFree,
        ContainerFsAvailable, ContainerFsInodesFree, PidAvailable,
    ];

    /// <summary>The kubelet's default evictionHard on Linux.</summary>
    public static IReadOnlyList<EvictionThreshold> DefaultHard { get; } =
    [
        new(MemoryAvailable, 100L * 1024 * 1024, null),
        new(NodeFsAvailable, null, 0.10),
        new(NodeFsInodesFree, null, 0.05),
        new(ImageFsAvailable, null, 0.15),
    ];

    /// <summary>Reads a signal-to-value map (evictionHard, evictionSoft). Errors name <paramref name="path"/>.signal.</summary>
    public static IReadOnlyList<EvictionThreshold> Parse(IEnumerable<KeyValuePair<string, string?>> entries, string path, List<string> errors)
    {
        var thresholds = new List<EvictionThreshold>();
        foreach (var (signal, text) in entries)
        {
            if (ParseOne(signal, text, $"{path}.{signal}", errors) is { } threshold)
            {
                thresholds.Add(threshold);
            }
        }

        return thresholds;
    }

    /// <summary>Reads the flag form, "memory.available&lt;100Mi,nodefs.available&lt;10%".</summary>
    public static IReadOnlyList<EvictionThreshold> ParseFlag(string text, string flag, List<string> errors)
    {
        var entries = new List<KeyValuePair<string, string?>>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('<', StringComparison.Ordinal);
            if (at <= 0)
            {
                errors.Add($"{flag}: Invalid value: \"{part}\": must be SIGNAL<VALUE, e.g. memory.available<100Mi");
                continue;
            }

            entries.Add(new(part[..at], part[(at + 1)..]));
        }

        return Parse(entries, flag, errors);
    }

    /// <summary>
    /// Reads evictionMinimumReclaim, a signal-to-value map, as the kubelet's parseMinimumReclaims:
    /// a known signal, and an amount of at least 0 or a percentage above 0%. Errors name
    /// <paramref name="path"/>.signal.
    /// </summary>
    public static IReadOnlyDictionary<string, EvictionThreshold> ParseMinimumReclaim(IEnumerable<KeyValuePair<string, string?>> entries, string path, List<string> errors)
    {
        var reclaims = new Dictionary<string, EvictionThreshold>(StringComparer.Ordinal);
        foreach (var (signal, text) in entries)
        {
            var at = $"{path}.{signal}";
            if (ParseOne(signal, text, at, errors) is not { } reclaim)
            {
                continue;
            }

            if (reclaim.Fraction is <= 0)
            {
                errors.Add($"{at}: Invalid value: \"{text?.Trim()}\": a percentage minimum reclaim must be positive");
                continue;
            }

            reclaims[signal] = reclaim;
        }

        return reclaims;
    }

    /// <summary>Reads the flag form of minimum reclaim, "memory.available=0Mi,nodefs.available=500Mi".</summary>
    public static IReadOnlyDictionary<string, EvictionThreshold> ParseMinimumReclaimFlag(string text, string flag, List<string> errors)
    {
        var entries = new List<KeyValuePair<string, string?>>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                errors.Add($"{flag}: Invalid value: \"{part}\": must be SIGNAL=VALUE, e.g. memory.available=500Mi");
                continue;
            }

            entries.Add(new(part[..at], part[(at + 1)..]));
        }

        return ParseMinimumReclaim(entries, flag, errors);
    }

    private static EvictionThreshold? ParseOne(string signal, string? text, string path, List<string> errors)
    {
        if (!Signals.Contains(signal))
        {
            errors.Add($"{path}: Unsupported value: \"{signal}\": supported values: {string.Join(", ", Signals.Select(s => $"\"{s}\""))}");
            return null;
        }

        text = text?.Trim();
        if (text is { Length: > 1 } && text.EndsWith('%'))
        {
            if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent < 0 || percent > 100)
            {
                errors.Add($"{path}: Invalid value: \"{text}\": a percentage must be between 0% and 100%");
                return null;
            }

            return new EvictionThreshold(signal, null, percent / 100);
        }

        if (!Quantity.TryParse(text, out var quantity, out var problem))
        {
            errors.Add($"{path}: Invalid value: \"{text}\": {problem}");
            return null;
        }

        if (quantity.Value < 0)
        {
            errors.Add($"{path}: Invalid value: \"{text}\": must be greater than or equal to 0");
            return null;
        }

        return new EvictionThreshold(signal, quantity.CeilValue, null) { AmountFormat = new ResourceQuantity(quantity.Text).Format };
    }
}
