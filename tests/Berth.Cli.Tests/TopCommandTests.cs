namespace Berth.Cli.Tests;

/// <summary>berth top refuses bad options before it looks for an agent: exit 2, naming the option.</summary>
public class TopCommandTests
{
    private const string NoAgent = "/nonexistent/berth-top-test.sock";

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    public async Task An_interval_that_is_not_positive_is_bad_input(string interval)
    {
        var result = await BerthProcess.RunAsync("top", "--socket", NoAgent, "--interval", interval);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--interval", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task An_unknown_sort_column_is_bad_input_listing_the_columns()
    {
        var result = await BerthProcess.RunAsync("top", "--socket", NoAgent, "-o", "json", "--sort", "bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--sort \"bogus\" is not a column", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("working-set", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_options_get_as_far_as_the_agent()
    {
        var result = await BerthProcess.RunAsync("top", "--socket", NoAgent, "--sort", "psi-io", "--interval", "0.5", "-n", "shop");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no berth agent is listening", result.Stderr, StringComparison.Ordinal);
    }
}
