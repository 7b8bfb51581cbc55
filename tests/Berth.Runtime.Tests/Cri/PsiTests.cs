using Berth.Cri.Runtime;
using Berth.Linux.Cgroups;

namespace Berth.Runtime.Tests.Cri;

/// <summary>Kernel PSI as CRI's PsiStats: microseconds and percentages unchanged, and nothing
/// invented where the kernel said nothing.</summary>
public sealed class PsiTests
{
    private static readonly ResourcePressure Cpu = PressureStats.Parse(
        "some avg10=1.50 avg60=0.75 avg300=0.25 total=1234567\nfull avg10=0.50 avg60=0.20 avg300=0.10 total=456789\n");

    [Fact]
    public void Total_stays_in_the_kernels_microseconds_and_averages_in_percent()
    {
        var psi = Psi.Stats(Cpu)!;

        Assert.Equal(1_234_567UL, psi.Some.Total);
        Assert.Equal(1.5, psi.Some.Avg10);
        Assert.Equal(0.75, psi.Some.Avg60);
        Assert.Equal(0.25, psi.Some.Avg300);
        Assert.Equal(456_789UL, psi.Full.Total);
        Assert.Equal(0.5, psi.Full.Avg10);
        Assert.Equal(0.2, psi.Full.Avg60);
        Assert.Equal(0.1, psi.Full.Avg300);
    }

    [Fact]
    public void A_missing_full_line_leaves_full_unset()
    {
        var psi = Psi.Stats(PressureStats.Parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n"))!;

        Assert.Equal(42UL, psi.Some.Total);
        Assert.Null(psi.Full);
    }

    [Fact]
    public void No_pressure_from_the_kernel_is_no_psi_rather_than_zeros()
    {
        Assert.Null(Psi.Stats(null));
        Assert.Null(Psi.Io(null, 7));
        Assert.Null(Psi.Io(new PressureStats(Cpu, Cpu, null), 7));
    }

    [Fact]
    public void Io_usage_carries_the_timestamp_and_the_io_pressure()
    {
        var io = Psi.Io(new PressureStats(null, null, Cpu), 1_700_000_000_000_000_000)!;

        Assert.Equal(1_700_000_000_000_000_000, io.Timestamp);
        Assert.Equal(1_234_567UL, io.Psi.Some.Total);
        Assert.Equal(456_789UL, io.Psi.Full.Total);
    }
}
