namespace Berth.Integration.Tests.Harness;

/// <summary>Polls a condition on real state until it holds or time runs out (then fails with the last value seen).</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        timeout = TestTime.Scaled(timeout);
        var deadline = DateTime.UtcNow + timeout;
        T value;
        while (true)
        {
            value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(done(value), $"{what} did not happen within {timeout.TotalSeconds} s; last seen: {value}");
        return value;
    }
}
