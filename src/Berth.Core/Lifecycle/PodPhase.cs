namespace Berth.Core.Lifecycle;

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

    /// <param name="finished">The pod was terminated: nothing of it will run again.</param>
    public static string Of(bool finished, RestartPolicy policy, IReadOnlyList<ContainerFacts> containers)
    {
        var init = containers.Where(c => c.Init && !c.Sidecar).ToList();
        var apps = containers.Where(c => !c.Init).ToList();
        var failedInit = init.Any(c => c.Done && c.ExitCode is not (null or 0));
        if (finished || (failedInit && policy == RestartPolicy.Never))
        {
            return apps.All(c => c.ExitCode == 0) && !failedInit ? Succeeded : Failed;
        }

        if (init.Any(c => !c.Done) || apps.Any(c => (c.State == ContainerRunState.Waiting && c.ExitCode is null) || c.State == ContainerRunState.Created))
        {
            return Pending;
        }

        if (apps.Any(c => c.State == ContainerRunState.Running))
        {
            return Running;
        }

        var allSucceeded = apps.All(c => c.ExitCode == 0);
        var willRestart = apps.Any(c => !c.Done && policy.Restarts(c.ExitCode));
        return willRestart ? Running : allSucceeded ? Succeeded : Failed;
    }
}
