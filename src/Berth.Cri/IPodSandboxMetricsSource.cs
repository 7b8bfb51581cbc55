namespace Berth.Cri;

/// <summary>
/// The metrics behind CRI's ListMetricDescriptors and ListPodSandboxMetrics (the CRI stats KEP's
/// cAdvisor-less path): the node's housekeeping owns the numbers, this assembly only serves
/// them. Metrics may cover pods CRI did not make; the service keeps only its own sandboxes.
/// </summary>
public interface IPodSandboxMetricsSource
{
    /// <summary>Every metric family the source can emit, with its help and label keys.</summary>
    IReadOnlyList<V1.MetricDescriptor> Descriptors();

    /// <summary>The latest values, one entry per pod sandbox; empty before the first pass.</summary>
    IReadOnlyList<V1.PodSandboxMetrics> Current();
}
