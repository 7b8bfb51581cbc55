using Berth.Core.Admission;
using k8s.Models;

namespace Berth.Core.Tests.Admission;

/// <summary>Quantities printed as apimachinery's Quantity.String() prints them, since the
/// LimitRanger's messages are made of them.</summary>
public class FormattedQuantityTests
{
    [Theory]
    [InlineData("1Gi", "1Gi")]
    [InlineData("1024Mi", "1Gi")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("0.5Ki", "512")] // below 1024 a binary value prints in decimal
    [InlineData("1.5Ki", "1536")]
    [InlineData("1000.5Ki", "1024512")]
    [InlineData("0.5", "500m")]
    [InlineData("2000m", "2")]
    [InlineData("1500000", "1500k")]
    [InlineData("1000000", "1M")]
    [InlineData("100M", "100M")]
    [InlineData("0.1m", "100u")]
    [InlineData("0", "0")]
    [InlineData("1e3", "1e3")]
    [InlineData("1.5e3", "1500")]
    [InlineData("12e6", "12e6")]
    [InlineData("250m", "250m")]
    public void Prints_the_canonical_form(string text, string expected) =>
        Assert.Equal(expected, FormattedQuantity.Of(new ResourceQuantity(text)).ToString());

    [Theory]
    [InlineData("1Gi", "512Mi", "1536Mi")]
    [InlineData("500m", "1", "1500m")]
    [InlineData("1", "1", "2")]
    [InlineData("100Mi", "200M", "304857600")] // the first term's binary format cannot show it
    [InlineData("200M", "100Mi", "304857600")]
    [InlineData("1M", "1Mi", "2048576")]
    public void A_sum_keeps_the_format_of_its_first_term(string first, string second, string expected) =>
        Assert.Equal(expected, FormattedQuantity.Of(new ResourceQuantity(first)).Plus(FormattedQuantity.Of(new ResourceQuantity(second))).ToString());

    [Theory]
    [InlineData("100m", 1L, 100L)]
    [InlineData("1Gi", 1073741824L, 1073741824000L)]
    [InlineData("1.0001", 2L, 1001L)] // rounded up, as Value() and MilliValue()
    public void Unit_and_milli_values_round_up(string text, long units, long millis)
    {
        var quantity = FormattedQuantity.Of(new ResourceQuantity(text));
        Assert.Equal((decimal)units, quantity.UnitValue);
        Assert.Equal((decimal)millis, quantity.MilliValue);
    }
}
