using Berth.Core.Lifecycle;

namespace Berth.Core.Tests.Lifecycle;

public class CrashLoopBackOffTests
{
    private static readonly CrashLoopBackOff Kubelet = CrashLoopBackOff.Kubelet;

    [Fact]
    public void Kubelet_values() => Assert.Equal((10, 300, 600), ((int)Kubelet.Initial.TotalSeconds, (int)Kubelet.Max.TotalSeconds, (int)Kubelet.Reset.TotalSeconds));

    [Fact]
    public void Restart_at_once_then_doubling_up_to_the_cap()
    {
        // Each crash waits the delay reached so far; each restart moves it on.
        var reached = TimeSpan.Zero;
        var waits = new List<double>();
        for (var crash = 0; crash < 8; crash++)
        {
            var delay = Kubelet.Delay(reached, ran: TimeSpan.FromSeconds(1));
            waits.Add(delay.TotalSeconds);
            reached = Kubelet.After(delay);
        }

        Assert.Equal([0, 10, 20, 40, 80, 160, 300, 300], waits);
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(80, 599, 80)]
    [InlineData(80, 600, 0)] // ran the reset period: starts over
    [InlineData(300, 3600, 0)]
    public void Delay(int reachedSeconds, int ranSeconds, int delaySeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(delaySeconds), Kubelet.Delay(TimeSpan.FromSeconds(reachedSeconds), TimeSpan.FromSeconds(ranSeconds)));

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, 20)]
    [InlineData(160, 300)]
    [InlineData(300, 300)]
    public void After(int delaySeconds, int nextSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(nextSeconds), Kubelet.After(TimeSpan.FromSeconds(delaySeconds)));
}
