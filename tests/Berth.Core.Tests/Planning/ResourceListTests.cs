using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Tests.Planning;

public class ResourceListTests
{
    // The string form is the canonical one: below a nano it rounds up, as Kubernetes' Quantity does.
    [Theory]
    [InlineData("100m", "0.1")]
    [InlineData("1.5Gi", "1610612736")]
    [InlineData("1e3", "1000")]
    [InlineData("0.0000001", "0.0000001")]
    [InlineData("123456789123456789n", "123456789.123456789")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("0.5n", "0.000000001")]
    [InlineData("1.1e-10", "0.000000001")]
    [InlineData("0.1u", "0.0000001")]
    [InlineData("1.0000000001", "1.000000001")]
    [InlineData("1e-3", "0.001")]
    [InlineData("7.5m", "0.0075")]
    [InlineData("0.3", "0.3")]
    [InlineData("1.23456789012345678901", "1.234567891")]
    [InlineData("1Ei", "1152921504606846976")]
    public void Quantities_are_read_with_Berths_parser(string text, string value)
    {
        var list = ResourceList.From(new Dictionary<string, ResourceQuantity> { ["cpu"] = new(text) });
        Assert.Equal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), list["cpu"]);
    }

    [Fact]
    public void A_quantity_Berth_refuses_is_refused_here_too() =>
        Assert.Throws<FormatException>(() => ResourceList.From(new Dictionary<string, ResourceQuantity> { ["memory"] = new("1e19") })); // over int64: the library would give 1e19
}
