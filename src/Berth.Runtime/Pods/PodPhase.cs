using Berth.Runtime.Model;

namespace Berth.Runtime.Pods;

/// <summary>
/// The pod phase by Kubernetes' rules (pkg/kubelet/kubelet_pods.go getPhase): Pending until the
/// init containers succeeded and the app containers started; Running while any app container
/// runs (or may be restarted); Succeeded when all exited 0 and none will restart; Failed when all
/// exited, at least one in failure, and none will restart.
/// </summary>
public static class PodPhase
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static string Of(string restartPolicy, IReadOnlyList<(bool Init, ContainerRecord? Record)> containers)
    {
        var init = containers.Where(c => c.Init).ToList();
        if (init.Any(c => c.Record is { State: ContainerState.Exited, ExitCode: not 0 }) && restartPolicy == "Never")
        {
            return Failed;
        }

        if (init.Any(c => c.Record is not { State: ContainerState.Exited, ExitCode: 0 }))
        {
            return Pending;
        }

        var apps = containers.Where(c => !c.Init).Select(c => c.Record).ToList();
        if (apps.Any(r => r is null || r.State == ContainerState.Created))
        {
            return Pending;
        }

        if (apps.Any(r => r!.State == ContainerState.Running))
        {
            return Running;
        }

        var allSucceeded = apps.All(r => r!.ExitCode == 0);
        return restartPolicy switch
        {
            "Always" => Running,
            "OnFailure" when !allSucceeded => Running,
            _ => allSucceeded ? Succeeded : Failed,
        };
    }
}
