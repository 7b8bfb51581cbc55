using Berth.Core.Lifecycle;
using Berth.Runtime.Model;

namespace Berth.Runtime.Pods;

/// <summary>A pod as the CLI shows it: phase and each container's current state.</summary>
public sealed record PodStatus(
    PodRecord Pod,
    string Phase,
    SandboxRecord? Sandbox,
    IReadOnlyList<ContainerStatus> Containers)
{
    /// <summary>The phase by the kubelet's rules (<see cref="PodPhase.Of"/>); a pod the node ended
    /// with a reason (evicted) is Failed whatever its containers' exit codes, as the kubelet's
    /// eviction sets the phase itself.</summary>
    public static PodStatus Of(PodRecord pod, SandboxRecord? sandbox, IReadOnlyList<ContainerStatus> containers) =>
        new(pod, pod.Reason is not null && pod.Lifecycle == PodLifecycle.Finished ? PodPhase.Failed : PodPhase.Of(pod.Lifecycle == PodLifecycle.Finished, pod.RestartPolicy, [.. containers.Select(c => c.Facts)]), sandbox, containers);

    /// <summary>The pod's conditions by the kubelet's rules (<see cref="PodConditions.Of"/>).</summary>
    public IReadOnlyList<PodCondition> Conditions => PodConditions.Of([.. Containers.Select(c => c.Facts)], Sandbox?.State == SandboxState.Ready);
}

/// <summary>A container's state: its runtime record when it has one, else the last instance's end.</summary>
public sealed record ContainerStatus(PodContainer Container, ContainerRecord? Record)
{
    /// <summary>Created, running, exited, or waiting (no instance yet, or backing off).</summary>
    public ContainerRunState State => Record?.State switch
    {
        ContainerState.Running => ContainerRunState.Running,
        ContainerState.Created => ContainerRunState.Created,
        ContainerState.Exited when InBackoff => ContainerRunState.Waiting,
        ContainerState.Exited => ContainerRunState.Exited,
        _ => Container.Done && Container.LastState is not null ? ContainerRunState.Exited : ContainerRunState.Waiting,
    };

    /// <summary>CrashLoopBackOff while a restart waits for its back-off to pass;
    /// CreateContainerConfigError while its config cannot be made.</summary>
    public string? WaitingReason => InBackoff ? "CrashLoopBackOff"
        : Record is null && !Container.Done ? (Container.ConfigError is null ? "ContainerCreating" : ContainerConfigException.Reason)
        : null;

    /// <summary>The message that goes with <see cref="WaitingReason"/>, when there is one.</summary>
    public string? WaitingMessage => Record is null && !Container.Done ? Container.ConfigError : null;

    public int? ExitCode => Record?.State == ContainerState.Exited ? Record.ExitCode : Record is null ? Container.LastState?.ExitCode : null;

    public string? Reason => Record?.State == ContainerState.Exited ? Record.Reason : Record is null ? Container.LastState?.Reason : null;

    /// <summary>What the pod phase and conditions read.</summary>
    public ContainerFacts Facts => new(Container.Init, Container.Sidecar, Container.Done, State, ExitCode);

    private bool InBackoff => Container.BackoffUntil is { } until && until > DateTimeOffset.UtcNow && !Container.Done;
}

/// <summary>What a play did: the pods' statuses, and what admission warned about (Pod Security's warn mode).</summary>
public sealed record PlayOutcome(IReadOnlyList<PodStatus> Pods, IReadOnlyList<string> Warnings);
