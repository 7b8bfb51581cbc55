using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

public class PressureTests
{
    private const string Sample = """
        some avg10=1.50 avg60=0.25 avg300=0.05 total=123456
        full avg10=0.75 avg60=0.00 avg300=0.00 total=6789

        """;

    [Fact]
    public void Parses_the_some_and_full_lines_of_a_kernel_pressure_file()
    {
        var pressure = PressureStats.Parse(Sample);

        Assert.Equal(new PressureLine(1.50, 0.25, 0.05, 123456), pressure.Some);
        Assert.Equal(new PressureLine(0.75, 0, 0, 6789), pressure.Full);
    }

    [Fact]
    public void A_file_without_a_full_line_has_no_full_pressure()
    {
        var pressure = PressureStats.Parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");

        Assert.Equal(new PressureLine(0, 0, 0, 0), pressure.Some);
        Assert.Null(pressure.Full);
    }

    [Theory]
    [InlineData("full avg10=0.00 avg60=0.00 avg300=0.00 total=0", "no 'some' line")]
    [InlineData("some avg10=0.00 avg60=0.00 total=0", "has no avg300")]
    [InlineData("some avg10=x avg60=0.00 avg300=0.00 total=0", "'x'")]
    [InlineData("some avg10=0.00 avg60=0.00 avg300=0.00 total=-1", "'-1'")]
    [InlineData("half avg10=0.00 avg60=0.00 avg300=0.00 total=0", "neither 'some' nor 'full'")]
    [InlineData("some avg10", "not key=value")]
    public void Malformed_pressure_text_is_an_error_naming_the_part(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => PressureStats.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void V2_reads_the_cgroup_s_own_pressure_files()
    {
        using var tree = FakeCgroupTree.V2();
        var driver = new CgroupV2Driver(tree.Root);
        driver.Create("/kubepods/pod1");
        File.WriteAllText(tree.Path("kubepods", "pod1", "cpu.pressure"), Sample);
        File.WriteAllText(tree.Path("kubepods", "pod1", "memory.pressure"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n");

        var stats = driver.Pressure("/kubepods/pod1");

        Assert.NotNull(stats);
        Assert.Equal(123456, stats.Cpu!.Some.TotalMicroseconds);
        Assert.Equal(3, stats.Memory!.Full!.TotalMicroseconds);
        Assert.Null(stats.Io);
        Assert.Null(driver.Pressure("/kubepods/gone"));
    }

    [Fact]
    public void A_v1_hybrid_host_reads_pressure_from_the_unified_mount()
    {
        using var tree = FakeCgroupTree.V1();
        var driver = new CgroupV1Driver(tree.Root);
        driver.Create("/kubepods/pod1");
        File.WriteAllText(tree.Path("unified", "kubepods", "pod1", "io.pressure"), Sample);
        File.WriteAllText(tree.Path("memory", "kubepods", "pod1", "io.pressure"), "some avg10=9.00 avg60=9.00 avg300=9.00 total=9\n");

        var stats = driver.Pressure("/kubepods/pod1");

        Assert.NotNull(stats);
        Assert.Equal(123456, stats.Io!.Some.TotalMicroseconds);
        Assert.Null(stats.Cpu);
    }
}
