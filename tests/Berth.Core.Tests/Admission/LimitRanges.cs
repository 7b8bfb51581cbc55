using k8s;
using k8s.Models;

namespace Berth.Core.Tests.Admission;

/// <summary>Builds LimitRanges for tests from short YAML. The model is parsed without the manifest
/// reader, which validates LimitRanges and would refuse the invalid ones these tests feed the validator.</summary>
internal static class LimitRanges
{
    /// <summary>A LimitRange with the given items, each a YAML flow mapping, e.g.
    /// <c>{ type: Container, default: { cpu: 500m } }</c>.</summary>
    public static V1LimitRange Range(string name, params string[] items) =>
        KubernetesYaml.Deserialize<V1LimitRange>($"""
            apiVersion: v1
            kind: LimitRange
            metadata: {(name.Length == 0 ? "{}" : $"{{ name: {name} }}")}
            spec:
              limits:
            {string.Concat(items.Select(i => $"    - {i}\n"))}
            """);
}
