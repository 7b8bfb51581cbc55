using System.Globalization;

namespace Berth.Core.Security;

/// <summary>
/// The kubelet's runAsNonRoot check (pkg/kubelet/kuberuntime/security_context_others.go
/// verifyRunAsNonRoot), made before a container is created: an explicit runAsUser decides;
/// otherwise the image's user must be a numeric, non-zero uid. The image user is read as the
/// kubelet reads it from the runtime's image status: the part before ':' of the config's User,
/// a number is a uid, anything else a name that cannot be verified, and no user means root.
/// </summary>
public static class RunAsNonRoot
{
    /// <param name="pod">The pod as the kubelet formats it in messages: name_namespace(uid).</param>
    /// <returns>The kubelet's message, or null when the container may run.</returns>
    public static string? Violation(bool? runAsNonRoot, long? runAsUser, string? imageUser, string pod, string container)
    {
        if (runAsNonRoot != true)
        {
            return null;
        }

        if (runAsUser is { } uid)
        {
            return uid == 0 ? $"container's runAsUser breaks non-root policy (pod: \"{pod}\", container: {container})" : null;
        }

        var user = (imageUser ?? "").Split(':', 2)[0];
        if (user.Length == 0 || (long.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var imageUid) && imageUid == 0))
        {
            return $"container has runAsNonRoot and image will run as root (pod: \"{pod}\", container: {container})";
        }

        return long.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? null
            : $"container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root (pod: \"{pod}\", container: {container})";
    }

    /// <summary>kubelet's format.Pod: name_namespace(uid).</summary>
    public static string PodDescription(string name, string ns, string uid) => $"{name}_{ns}({uid})";
}
