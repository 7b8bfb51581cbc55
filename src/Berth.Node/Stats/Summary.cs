using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Node.Stats;

// The kubelet's Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1, types.go): the shape
// metrics-server and dashboards read from /stats/summary. Property names follow the Go json
// tags; null properties are left out as Go's omitempty does.

public sealed record Summary(NodeStats Node, IReadOnlyList<PodStats> Pods);

public sealed record NodeStats(
    string NodeName,
    DateTimeOffset StartTime,
    CpuStats? Cpu,
    MemoryStats? Memory,
    NetworkStats? Network,
    FsStats? Fs,
    RuntimeStats? Runtime,
    RlimitStats? Rlimit,
    IoStats? Io,
    SwapStats? Swap,
    IReadOnlyList<ContainerStats>? SystemContainers);

public sealed record RuntimeStats(FsStats? ImageFs);

public sealed record RlimitStats(
    DateTimeOffset Time,
    [property: JsonPropertyName("maxpid")] long? MaxPid,
    [property: JsonPropertyName("curproc")] long? NumOfRunningProcesses);

public sealed record PodReference(string Name, string Namespace, string Uid);

public sealed record PodStats(
    PodReference PodRef,
    DateTimeOffset StartTime,
    IReadOnlyList<ContainerStats> Containers,
    CpuStats? Cpu,
    MemoryStats? Memory,
    NetworkStats? Network,
    [property: JsonPropertyName("volume")] IReadOnlyList<VolumeStats>? VolumeStats,
    [property: JsonPropertyName("ephemeral-storage")] FsStats? EphemeralStorage,
    [property: JsonPropertyName("process_stats")] ProcessStats? ProcessStats,
    IoStats? Io,
    SwapStats? Swap);

public sealed record ContainerStats(
    string Name,
    DateTimeOffset StartTime,
    CpuStats? Cpu,
    MemoryStats? Memory,
    FsStats? Rootfs,
    FsStats? Logs,
    IoStats? Io,
    SwapStats? Swap);

public sealed record ProcessStats([property: JsonPropertyName("process_count")] ulong? ProcessCount);

public sealed record CpuStats(DateTimeOffset Time, ulong? UsageNanoCores, ulong? UsageCoreNanoSeconds, PsiStats? Psi);

public sealed record MemoryStats(
    DateTimeOffset Time,
    ulong? AvailableBytes,
    ulong? UsageBytes,
    ulong? WorkingSetBytes,
    [property: JsonPropertyName("rssBytes")] ulong? RssBytes,
    ulong? PageFaults,
    ulong? MajorPageFaults,
    PsiStats? Psi);

public sealed record IoStats(DateTimeOffset Time, PsiStats? Psi);

public sealed record SwapStats(DateTimeOffset Time, ulong? SwapAvailableBytes, ulong? SwapUsageBytes);

/// <summary>NetworkStats inlines the default interface's InterfaceStats (name, rxBytes, ...)
/// next to time and the full interface list.</summary>
public sealed record NetworkStats(
    DateTimeOffset Time,
    string Name,
    ulong? RxBytes,
    ulong? RxErrors,
    ulong? TxBytes,
    ulong? TxErrors,
    IReadOnlyList<InterfaceStatsJson>? Interfaces);

public sealed record InterfaceStatsJson(string Name, ulong? RxBytes, ulong? RxErrors, ulong? TxBytes, ulong? TxErrors);

public sealed record FsStats(
    DateTimeOffset Time,
    ulong? AvailableBytes,
    ulong? CapacityBytes,
    ulong? UsedBytes,
    ulong? InodesFree,
    ulong? Inodes,
    ulong? InodesUsed);

/// <summary>VolumeStats inlines FsStats beside the volume's name.</summary>
public sealed record VolumeStats(
    DateTimeOffset Time,
    ulong? AvailableBytes,
    ulong? CapacityBytes,
    ulong? UsedBytes,
    ulong? InodesFree,
    ulong? Inodes,
    ulong? InodesUsed,
    string Name);

/// <summary>KEP-4205's PSIStats: both lines always present (full is zero where the kernel has
/// none), totals in microseconds as the kernel counts them.</summary>
public sealed record PsiStats(PsiData Full, PsiData Some);

public sealed record PsiData(ulong Total, double Avg10, double Avg60, double Avg300);

/// <summary>Serializes a <see cref="Summary"/> as the kubelet does.</summary>
public static class SummaryJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new MetaTimeConverter() },
    };

    public static string Serialize(Summary summary) => JsonSerializer.Serialize(summary, Options);

    /// <summary>metav1.Time marshals as RFC 3339 in UTC with whole seconds.</summary>
    private sealed class MetaTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}
