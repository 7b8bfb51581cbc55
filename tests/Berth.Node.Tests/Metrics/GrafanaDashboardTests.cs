using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Node.Metrics;

namespace Berth.Node.Tests.Metrics;

/// <summary>contrib/grafana/psi-per-pod.json may only query metric names /metrics/cadvisor emits.</summary>
public partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Psi_dashboard_queries_only_metrics_the_cadvisor_endpoint_emits()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Join(directory.FullName, "Berth.slnx")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var json = await File.ReadAllTextAsync(Path.Join(directory.FullName, "contrib", "grafana", "psi-per-pod.json"));
        using var dashboard = JsonDocument.Parse(json);
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        var emitted = (await PrometheusText.ExportAsync(CadvisorMetrics.Collect(Snapshots.Build()))).Type.Keys;

        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        Assert.Subset(emitted.ToHashSet(), used);
        foreach (var resource in new[] { "cpu", "memory", "io" })
        {
            Assert.Contains($"container_pressure_{resource}_waiting_seconds_total", used);
        }

        Assert.All(expressions.Where(e => e.Contains("pressure", StringComparison.Ordinal)), e =>
        {
            Assert.Contains("sum by (namespace, pod) (rate(", e, StringComparison.Ordinal);
            Assert.Contains("container=\"\"", e, StringComparison.Ordinal);
        });
    }

    [GeneratedRegex("container_[a-z_]+")]
    private static partial Regex MetricName();
}
