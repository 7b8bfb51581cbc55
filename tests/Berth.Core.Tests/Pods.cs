using Berth.Core.Manifests;

namespace Berth.Core.Tests;

/// <summary>Builds pod manifests for tests from short YAML, through the real reader.</summary>
internal static class Pods
{
    public static PodManifest Read(string yaml) => ManifestReader.ReadText(yaml, "test.yaml").Pods.Single();

    /// <summary>A pod with the given containers (YAML list items, indented by 4).</summary>
    public static PodManifest With(string containers, string initContainers = "", string specExtra = "") =>
        Read($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: test
              uid: 11111111-2222-3333-4444-555555555555
            spec:
            {specExtra}
              containers:
            {containers}
            {(initContainers.Length > 0 ? "  initContainers:\n" + initContainers : "")}
            """);

    /// <summary>One container list item with optional requests and limits, e.g. "cpu: 100m, memory: 1Gi".</summary>
    public static string C(string name, string? requests = null, string? limits = null, string extra = "")
    {
        var resources = requests is null && limits is null ? "" :
            "\n      resources:" +
            (requests is null ? "" : $"\n        requests: {{ {requests} }}") +
            (limits is null ? "" : $"\n        limits: {{ {limits} }}");
        return $"    - name: {name}\n      image: busybox{resources}{(extra.Length > 0 ? "\n      " + extra : "")}";
    }
}
