namespace Berth.Node.Tests;

/// <summary>The test parser must reject what Prometheus would, or the metric tests prove little.</summary>
public class PrometheusTextTests
{
    [Fact]
    public void Reads_help_type_labels_with_escapes_and_special_values()
    {
        var text = PrometheusText.Parse("""
            # HELP m_total Some help.
            # TYPE m_total counter
            m_total{a="x\"y",b="1\\2"} 1.5
            m_total{a="z",b=""} +Inf
            """);

        Assert.Equal("counter", text.Type["m_total"]);
        Assert.Equal("Some help.", text.Help["m_total"]);
        Assert.Equal(1.5, text.Value("m_total", "a=x\"y"));
        Assert.Equal("1\\2", text.Single("m_total", "a=x\"y")["b"]);
        Assert.Equal(double.PositiveInfinity, text.Value("m_total", "a=z"));
    }

    [Theory]
    [InlineData("m 1")] // no TYPE
    [InlineData("# TYPE m gauge\nm 1")] // no HELP
    [InlineData("# HELP m h\n# TYPE m gauge\nm{a=\"1\"} one")]
    [InlineData("# HELP m h\n# TYPE m gauge\nm{1a=\"1\"} 1")]
    [InlineData("# HELP m h\n# TYPE m gauge\nm{a=1} 1")]
    [InlineData("# HELP m h\n# TYPE m gauge\nm{a=\"1\"} 1\nm{a=\"1\"} 2")]
    [InlineData("# HELP m h\n# TYPE m gauge\n# TYPE m counter\nm 1")]
    [InlineData("# HELP m h\n# TYPE m meter\nm 1")]
    [InlineData("# HELP 0m h\n# TYPE 0m gauge\n0m 1")]
    public void Rejects_invalid_exposition(string text) =>
        Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
}
