using Berth.Node.Stats;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Node.Metrics;

/// <summary>
/// The kubelet's read-only stats endpoints on the metrics address: /metrics/cadvisor,
/// /metrics/resource, /stats/summary and the agent's own /metrics. They render the last
/// housekeeping pass (a first pass runs on demand when none has completed yet) and answer only
/// on the metrics listener, never on the agent's unix socket or the streaming port.
/// </summary>
public static class MetricsEndpoints
{
    /// <summary>The Prometheus text exposition format that cAdvisor and the kubelet serve.</summary>
    public const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(IEndpointRouteBuilder endpoints, int port)
    {
        var group = endpoints.MapGroup("").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Connection.LocalPort == port ? await next(context) : Results.NotFound());

        group.MapGet("/metrics/cadvisor", async (HttpContext http, IStatsProvider stats) =>
        {
            var snapshot = await CurrentAsync(stats, http.RequestAborted);
            http.Response.ContentType = TextFormat;
            await CadvisorMetrics.WriteAsync(snapshot, http.Response.Body, http.RequestAborted);
        });
        group.MapGet("/metrics/resource", async (HttpContext http, IStatsProvider stats) =>
        {
            var snapshot = await CurrentAsync(stats, http.RequestAborted);
            http.Response.ContentType = TextFormat;
            await ResourceMetrics.WriteAsync(snapshot, http.Response.Body, http.RequestAborted);
        });
        group.MapGet("/stats/summary", async (HttpContext http, IStatsProvider stats) =>
        {
            var snapshot = await CurrentAsync(stats, http.RequestAborted);
            var previous = ReferenceEquals(stats.Latest, snapshot) ? stats.Previous : null;
            var summary = SummaryBuilder.Build(snapshot, CpuRates.Between(previous, snapshot));
            return Results.Text(SummaryJson.Serialize(summary), "application/json");
        });
        group.MapGet("/metrics", async (HttpContext http) =>
        {
            http.Response.ContentType = TextFormat;
            await http.RequestServices.GetRequiredService<AgentMetrics>().WriteAsync(http.Response.Body, http.RequestAborted);
        });
    }

    private static async Task<StatsSnapshot> CurrentAsync(IStatsProvider stats, CancellationToken ct) =>
        stats.Latest ?? await stats.CollectAsync(ct);
}
