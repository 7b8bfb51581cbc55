using Berth.Core.Admission;
using k8s.Models;
using static Berth.Core.Tests.Admission.LimitRanges;

namespace Berth.Core.Tests.Admission;

/// <summary>The API server's defaulting of a LimitRange's Container items.</summary>
public class LimitRangeDefaultsTests
{
    private static string Values(IDictionary<string, ResourceQuantity>? list) =>
        list is null ? "-" : string.Join(", ", list.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));

    [Theory]
    [InlineData("{ type: Container, max: { cpu: '2' } }", "cpu=2", "cpu=2")]
    [InlineData("{ type: Container, min: { cpu: 100m } }", "", "cpu=100m")]
    [InlineData("{ type: Container, default: { cpu: '1' }, min: { cpu: 100m } }", "cpu=1", "cpu=1")]
    [InlineData("{ type: Container, max: { cpu: '2' }, default: { cpu: '1' }, defaultRequest: { cpu: 500m } }", "cpu=1", "cpu=500m")]
    [InlineData("{ type: Container, max: { memory: 1Gi }, min: { cpu: 10m }, defaultRequest: { memory: 64Mi } }", "memory=1Gi", "cpu=10m, memory=64Mi")]
    [InlineData("{ type: Pod, max: { cpu: '2' }, min: { cpu: 100m } }", "-", "-")]
    public void Default_comes_from_max_and_default_request_from_default_then_min(string item, string defaults, string defaultRequests)
    {
        var range = Range("lr", item);

        var defaulted = LimitRangeDefaults.Apply(range).Spec.Limits[0];

        Assert.Equal(defaults, Values(defaulted.DefaultProperty));
        Assert.Equal(defaultRequests, Values(defaulted.DefaultRequest));
    }
}
