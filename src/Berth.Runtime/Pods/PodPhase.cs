namespace Berth.Runtime.Pods;

/// <summary>
/// The pod phase by Kubernetes' rules (pkg/kubelet/kubelet_pods.go getPhase): Pending until the
/// init containers succeeded and every app container started; Running while an app container runs
/// or will be restarted; Succeeded when all exited 0 and none will restart; Failed when all
/// exited, at least one in failure, and none will restart.
/// </summary>
public static class PodPhase
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static string Of(PodLifecycle lifecycle, string restartPolicy, IReadOnlyList<ContainerStatus> containers)
    {
        var init = containers.Where(c => c.Container.Init && !c.Container.Sidecar).ToList();
        var apps = containers.Where(c => !c.Container.Init).ToList();
        var failedInit = init.Any(c => c.Container.Done && c.ExitCode is not (null or 0));
        if (lifecycle == PodLifecycle.Finished || (failedInit && restartPolicy == "Never"))
        {
            return apps.All(c => c.ExitCode == 0) && !failedInit ? Succeeded : Failed;
        }

        if (init.Any(c => !c.Container.Done) || apps.Any(c => c.State is "waiting" && c.ExitCode is null || c.State == "created"))
        {
            return Pending;
        }

        if (apps.Any(c => c.State == "running"))
        {
            return Running;
        }

        var allSucceeded = apps.All(c => c.ExitCode == 0);
        var willRestart = apps.Any(c => !c.Container.Done && (restartPolicy == "Always" || (restartPolicy == "OnFailure" && c.ExitCode != 0)));
        return willRestart ? Running : allSucceeded ? Succeeded : Failed;
    }
}
