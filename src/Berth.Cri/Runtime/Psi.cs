using Berth.Linux.Cgroups;

namespace Berth.Cri.Runtime;

/// <summary>
/// Pressure stall information in CRI's PsiStats. Units as the kernel gives them, the way
/// containerd's CRI (ioContainerStats, from containerd/cgroups' PSIData) and the kubelet's
/// cAdvisor path (cadvisorPSIToStatsPSI) pass them on: Total is the cumulative stall time in
/// microseconds, Avg10/60/300 are percentages of wall time.
/// </summary>
internal static class Psi
{
    /// <summary>Null when the kernel gave no pressure for the resource, so the kubelet does not
    /// mistake "unknown" for "no pressure"; Full is unset when the kernel has no "full" line
    /// (cpu before 5.13).</summary>
    public static V1.PsiStats? Stats(ResourcePressure? pressure) => pressure is null
        ? null
        : new V1.PsiStats { Some = Data(pressure.Some), Full = pressure.Full is { } full ? Data(full) : null };

    /// <summary>CRI's IoUsage carries nothing but PSI: null without io pressure.</summary>
    public static V1.IoUsage? Io(PressureStats? pressure, long now) =>
        Stats(pressure?.Io) is { } psi ? new V1.IoUsage { Timestamp = now, Psi = psi } : null;

    private static V1.PsiData Data(PressureLine line) => new()
    {
        Total = (ulong)Math.Max(0, line.TotalMicroseconds),
        Avg10 = line.Avg10,
        Avg60 = line.Avg60,
        Avg300 = line.Avg300,
    };
}
