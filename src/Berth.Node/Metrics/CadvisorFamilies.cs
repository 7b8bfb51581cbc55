using Prometheus;

namespace Berth.Node.Metrics;

/// <summary>Where <see cref="CadvisorSeries"/> writes: one value of one family with its label
/// values (the base labels, then the family's extras).</summary>
internal interface ICadvisorSink
{
    void Add(CadvisorFamily family, string[] labelValues, double value);
}

/// <summary>
/// The <see cref="CadvisorCatalog"/> as Prometheus families on one registry: a counter is
/// raised to the value (the snapshot's cumulative count), a gauge set to it.
/// </summary>
internal sealed class CadvisorFamilies : ICadvisorSink
{
    private readonly Dictionary<string, Counter> counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Gauge> gauges = new(StringComparer.Ordinal);

    public CadvisorFamilies(IMetricFactory factory)
    {
        foreach (var family in CadvisorCatalog.All)
        {
            string[] labels = [.. family.LabelKeys];
            if (family.Type == CadvisorMetricType.Counter)
            {
                counters[family.Name] = factory.CreateCounter(family.Name, family.Help, labels);
            }
            else
            {
                gauges[family.Name] = factory.CreateGauge(family.Name, family.Help, labels);
            }
        }
    }

    public void Add(CadvisorFamily family, string[] labelValues, double value)
    {
        if (family.Type == CadvisorMetricType.Counter)
        {
            counters[family.Name].WithLabels(labelValues).IncTo(value);
        }
        else
        {
            gauges[family.Name].WithLabels(labelValues).Set(value);
        }
    }
}
