using k8s.Models;

namespace Berth.Core.Validation;

/// <summary>
/// hostUsers: false (KEP-127) together with the host's network, PID or IPC namespace is refused,
/// as the API server refuses it (pkg/apis/core/validation validateHostUsers). The field paths are
/// the API server's own, capitals in "HostPID" and "HostIPC" included, so messages match.
/// </summary>
public static class HostUsersValidation
{
    public const string Reason = "Forbidden: when `pod.Spec.HostUsers` is false";

    public static void Validate(V1PodSpec spec, Action<string, string> add)
    {
        if (spec.HostUsers != false)
        {
            return;
        }

        if (spec.HostNetwork == true)
        {
            add("spec.hostNetwork", Reason);
        }

        if (spec.HostPID == true)
        {
            add("spec.HostPID", Reason);
        }

        if (spec.HostIPC == true)
        {
            add("spec.HostIPC", Reason);
        }
    }
}
