using Berth.Core.Manifests;
using k8s.Models;

namespace Berth.Core.Tests.Admission;

/// <summary>Builds LimitRanges for tests from short YAML, through the real reader.</summary>
internal static class LimitRanges
{
    /// <summary>A LimitRange with the given items, each a YAML flow mapping, e.g.
    /// <c>{ type: Container, default: { cpu: 500m } }</c>.</summary>
    public static V1LimitRange Range(string name, params string[] items) =>
        ManifestReader.ReadText($"""
            apiVersion: v1
            kind: LimitRange
            metadata: {(name.Length == 0 ? "{}" : $"{{ name: {name} }}")}
            spec:
              limits:
            {string.Concat(items.Select(i => $"    - {i}\n"))}
            """, "lr.yaml").LimitRanges.Single();
}
