using Berth.Node.Stats;

namespace Berth.Node.Tests.Stats;

public class PassesTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_pass_a_housekeeping_interval_later_takes_the_latest_as_its_previous()
    {
        var first = Snapshots.Build(Snapshots.Now);
        var second = Snapshots.Build(Snapshots.Now.AddSeconds(10));

        var passes = new Passes(null, null).Next(first, Window).Next(second, Window);

        Assert.Same(second, passes.Latest);
        Assert.Same(first, passes.Previous);
    }

    [Fact]
    public void A_pass_moments_after_the_latest_keeps_the_older_previous_so_rates_span_a_real_window()
    {
        var first = Snapshots.Build(Snapshots.Now);
        var second = Snapshots.Build(Snapshots.Now.AddSeconds(10));
        var asked = Snapshots.Build(Snapshots.Now.AddSeconds(10.05)); // the eviction manager's own pass

        var passes = new Passes(null, null).Next(first, Window).Next(second, Window).Next(asked, Window);

        Assert.Same(asked, passes.Latest);
        Assert.Same(first, passes.Previous);
        var next = Snapshots.Build(Snapshots.Now.AddSeconds(20));
        Assert.Same(asked, passes.Next(next, Window).Previous);
    }

    [Fact]
    public void The_second_pass_ever_is_a_previous_however_close()
    {
        var first = Snapshots.Build(Snapshots.Now);
        var second = Snapshots.Build(Snapshots.Now.AddSeconds(1));

        Assert.Same(first, new Passes(null, null).Next(first, Window).Next(second, Window).Previous);
    }
}
