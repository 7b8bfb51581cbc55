namespace Berth.Core.Lifecycle;

/// <summary>One of a pod's status.conditions: a type and "True" or "False".</summary>
public sealed record PodCondition(string Type, string Status);

/// <summary>
/// Pod conditions as the kubelet reports them (pkg/kubelet/status/generate.go): PodScheduled once
/// the node has the pod; Initialized when every (non-sidecar) init container succeeded;
/// ContainersReady when every app container and sidecar runs (Berth has no readiness probes, so
/// running is ready); Ready when the containers are and the sandbox is too.
/// </summary>
public static class PodConditions
{
    public static IReadOnlyList<PodCondition> Of(IReadOnlyList<ContainerFacts> containers, bool sandboxReady)
    {
        var initialized = containers.Where(c => c.Init && !c.Sidecar).All(c => c.Done && c.ExitCode == 0);
        var containersReady = containers.Where(c => !c.Init || c.Sidecar).All(c => c.State == ContainerRunState.Running);
        static string Bool(bool b) => b ? "True" : "False";
        return
        [
            new PodCondition("PodScheduled", "True"),
            new PodCondition("Initialized", Bool(initialized)),
            new PodCondition("ContainersReady", Bool(containersReady)),
            new PodCondition("Ready", Bool(containersReady && sandboxReady)),
        ];
    }
}
