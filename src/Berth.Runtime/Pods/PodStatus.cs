using Berth.Runtime.Model;

namespace Berth.Runtime.Pods;

/// <summary>A pod as the CLI shows it: phase and each container's current state.</summary>
public sealed record PodStatus(
    PodRecord Pod,
    string Phase,
    SandboxRecord? Sandbox,
    IReadOnlyList<ContainerStatus> Containers);

public sealed record ContainerStatus(PodContainer Container, ContainerRecord? Record)
{
    public string State => Record?.State switch
    {
        ContainerState.Running => "running",
        ContainerState.Exited => "exited",
        ContainerState.Created => "created",
        _ => "waiting",
    };
}
