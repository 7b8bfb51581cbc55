using Berth.Runtime.Model;

namespace Berth.Runtime.Pods;

/// <summary>A pod as the CLI shows it: phase and each container's current state.</summary>
public sealed record PodStatus(
    PodRecord Pod,
    string Phase,
    SandboxRecord? Sandbox,
    IReadOnlyList<ContainerStatus> Containers);

/// <summary>A container's state: its runtime record when it has one, else the last instance's end.</summary>
public sealed record ContainerStatus(PodContainer Container, ContainerRecord? Record)
{
    /// <summary>created, running, exited, or waiting (no instance yet, or backing off).</summary>
    public string State => Record?.State switch
    {
        ContainerState.Running => "running",
        ContainerState.Created => "created",
        ContainerState.Exited when InBackoff => "waiting",
        ContainerState.Exited => "exited",
        _ => Container.Done && Container.LastState is not null ? "exited" : "waiting",
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

    private bool InBackoff => Container.BackoffUntil is { } until && until > DateTimeOffset.UtcNow && !Container.Done;
}
