using Berth.Core.Manifests;

namespace Berth.Core.Tests.Manifests;

public class QuantityTests
{
    [Theory]
    [InlineData("100m", "0.1")]
    [InlineData("1", "1")]
    [InlineData("0.5", "0.5")]
    [InlineData(".5", "0.5")]
    [InlineData("+2", "2")]
    [InlineData("1.5Gi", "1610612736")]
    [InlineData("64Mi", "67108864")]
    [InlineData("1Ki", "1024")]
    [InlineData("1k", "1000")]
    [InlineData("1M", "1000000")]
    [InlineData("1e3", "1000")]
    [InlineData("1E-3", "0.001")]
    [InlineData("10u", "0.00001")]
    [InlineData("5n", "0.000000005")]
    [InlineData("-1", "-1")]
    public void Parses_kubernetes_quantities_exactly(string text, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Quantity.Parse(text).Value);

    [Theory]
    [InlineData("5Gb")]
    [InlineData("1K")]
    [InlineData("1.2.3")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1 Gi")]
    [InlineData("Gi")]
    [InlineData("1e400")]
    [InlineData("99999999999999999999")]
    public void Rejects_malformed_or_too_large(string text)
    {
        Assert.False(Quantity.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("0.0001", 1)] // MilliValue rounds up
    [InlineData("100m", 100)]
    [InlineData("1", 1000)]
    [InlineData("2.5", 2500)]
    public void MilliValue_rounds_up_like_the_kubelet(string text, long milli) =>
        Assert.Equal(milli, Quantity.Parse(text).MilliValue);

    [Fact]
    public void CeilValue_rounds_up_to_whole_bytes() => Assert.Equal(2, Quantity.Parse("1500m").CeilValue);
}
