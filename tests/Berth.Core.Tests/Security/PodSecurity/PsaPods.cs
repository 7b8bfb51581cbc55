using k8s;
using k8s.Models;

namespace Berth.Core.Tests.Security.PodSecurity;

/// <summary>Pods for the Pod Security tests, from short YAML: one container "c" plus what a
/// test adds to it, to the spec and to the metadata (each may span lines).</summary>
internal static class PsaPods
{
    /// <summary>A container securityContext that meets restricted at every version.</summary>
    public const string Restricted = "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }";

    public static V1Pod Pod(string container = "", string spec = "", string metadata = "") =>
        KubernetesYaml.Deserialize<V1Pod>($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
              namespace: team
            {Indent(metadata, 2)}
            spec:
            {Indent(spec, 2)}
              containers:
              - name: c
                image: busybox
            {Indent(container, 4)}
            """);

    private static string Indent(string text, int by) =>
        string.Join("\n", text.Split('\n').Where(l => l.Length > 0).Select(l => new string(' ', by) + l));
}
