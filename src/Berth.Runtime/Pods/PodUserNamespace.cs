using Berth.Runtime.Model;
using k8s.Models;

namespace Berth.Runtime.Pods;

/// <summary>The standalone door's part of hostUsers: false, as the kubelet does it
/// (GetOrCreateUserNamespaceMappings): the pod's block of IDs goes into its sandbox's config.</summary>
public static class PodUserNamespace
{
    public static async Task<SandboxConfig> WithUserNamespaceAsync(this SandboxConfig config, V1Pod pod, PodRuntime runtime, string podDirectory, CancellationToken ct) =>
        pod.Spec.HostUsers == false
            ? config with { UserNamespace = await runtime.UserNamespaces.ForPodAsync(podDirectory, ct) }
            : config;
}
