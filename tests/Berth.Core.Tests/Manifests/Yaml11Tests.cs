using Berth.Core.Manifests;

namespace Berth.Core.Tests.Manifests;

/// <summary>Plain scalars typed as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) types them.</summary>
public class Yaml11Tests
{
    [Theory]
    [InlineData("0644", 420)]
    [InlineData("0755", 493)]
    [InlineData("010", 8)]
    [InlineData("0", 0)]
    [InlineData("644", 644)]
    [InlineData("-0644", -420)]
    [InlineData("+12", 12)]
    [InlineData("0x1F", 31)]
    [InlineData("0o17", 15)]
    [InlineData("0b1010", 10)]
    [InlineData("1_000", 1000)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers(string text, long expected)
    {
        Assert.True(Yaml11.TryInteger(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("08")] // not octal: go-yaml reads it as the float 8
    [InlineData("1.5")]
    [InlineData("0x")]
    [InlineData("-")]
    [InlineData("9223372036854775808")]
    [InlineData("twelve")]
    public void Not_integers(string text) => Assert.False(Yaml11.TryInteger(text, out _));

    [Theory]
    [InlineData("y", true)]
    [InlineData("Y", true)]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("On", true)]
    [InlineData("ON", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("n", false)]
    [InlineData("N", false)]
    [InlineData("no", false)]
    [InlineData("No", false)]
    [InlineData("NO", false)]
    [InlineData("off", false)]
    [InlineData("Off", false)]
    [InlineData("OFF", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    public void Booleans(string text, bool expected)
    {
        Assert.True(Yaml11.TryBool(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("yEs")]
    [InlineData("oN")]
    [InlineData("t")]
    public void Not_booleans(string text) => Assert.False(Yaml11.TryBool(text, out _));

    /// <summary>sigs.k8s.io/yaml's write-back into a string field (convertToJSONableObject).</summary>
    [Theory]
    [InlineData("yes", "true")]
    [InlineData("Off", "false")]
    [InlineData("0644", "420")]
    [InlineData("0x10", "16")]
    [InlineData("1_000", "1000")]
    [InlineData("08", "8")]
    [InlineData("1.50", "1.5")]
    [InlineData("1.0", "1")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e6", "1e+06")]
    [InlineData("123456.0", "123456")]
    [InlineData("1234567.0", "1.234567e+06")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("3.14159265358979", "3.1415927")]
    [InlineData("-2.5", "-2.5")]
    [InlineData(".inf", "+Inf")]
    [InlineData("1.2.3", "1.2.3")]
    [InlineData("v1", "v1")]
    public void Text_in_a_string_field(string text, string expected) => Assert.Equal(expected, Yaml11.AsString(text));
}
