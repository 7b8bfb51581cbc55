namespace Berth.Runtime;

/// <summary>
/// A container's config cannot be made from its spec on this node: a subPath that leaves its
/// volume, a missing seccomp profile, an image user that breaks runAsNonRoot. As the kubelet does
/// (kuberuntime_container.go startContainer), the container waits with reason
/// <c>CreateContainerConfigError</c>, the message goes to a Warning event, and later syncs retry.
/// The message is the kubelet's wording where the kubelet has one.
/// </summary>
public sealed class ContainerConfigException(string message) : Exception(message)
{
    public const string Reason = "CreateContainerConfigError";
}
