using System.Globalization;

namespace Berth.Linux.Tests;

public class OomScoreAdjTests
{
    [Fact]
    public void Clamp_never_goes_below_the_current_value_without_cap_sys_resource()
    {
        var current = int.Parse(File.ReadAllText("/proc/self/oom_score_adj").Trim(), CultureInfo.InvariantCulture);

        Assert.Equal(current, OomScoreAdj.Current());
        Assert.Equal(current, OomScoreAdj.Current(Environment.ProcessId));
        if (OomScoreAdj.HasCapSysResource())
        {
            Assert.Equal(-997, OomScoreAdj.Clamp(-997));
        }
        else
        {
            Assert.True(OomScoreAdj.Clamp(-997) >= current);
            Assert.Equal(Math.Max(-997, current), OomScoreAdj.Clamp(-997));
        }

        Assert.Equal(1000, OomScoreAdj.Clamp(1000));
    }

    [Theory]
    [InlineData(-997, 0, false, 0)]
    [InlineData(-997, 0, true, -997)]
    [InlineData(500, 0, false, 500)]
    [InlineData(-999, -998, false, -998)]
    [InlineData(-2000, -1000, true, -1000)]
    [InlineData(5000, 0, false, 1000)]
    public void Clamp_rules(int desired, int current, bool capSysResource, int expected) =>
        Assert.Equal(expected, OomScoreAdj.Clamp(desired, current, capSysResource));

    [Theory]
    [InlineData("000001fffeffffff", false)]
    [InlineData("000001ffffffffff", true)]
    [InlineData("0000000001000000", true)]
    [InlineData("0000000000000000", false)]
    public void Reads_cap_sys_resource_from_cap_eff(string capEff, bool expected) =>
        Assert.Equal(expected, OomScoreAdj.HasCapability($"Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t{capEff}\n", OomScoreAdj.CapSysResource));
}
