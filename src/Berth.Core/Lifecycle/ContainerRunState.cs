namespace Berth.Core.Lifecycle;

/// <summary>What a pod's container is doing now, as `ps` and the pod phase see it: the runtime's
/// created/running/exited, or waiting (no instance yet, or a restart backing off).</summary>
public enum ContainerRunState
{
    Waiting,
    Created,
    Running,
    Exited,
}

public static class ContainerRunStates
{
    /// <summary>The lower-case word the CLI and the agent API show.</summary>
    public static string Text(this ContainerRunState state) => state switch
    {
        ContainerRunState.Created => "created",
        ContainerRunState.Running => "running",
        ContainerRunState.Exited => "exited",
        _ => "waiting",
    };
}

/// <summary>The facts about one container that the pod phase and conditions are computed from.</summary>
/// <param name="Init">An init container (a sidecar is one too).</param>
/// <param name="Sidecar">A restartable init container.</param>
/// <param name="Done">Will not run again: a completed init container, or one the policy keeps down.</param>
/// <param name="ExitCode">The last exit code, when it has exited.</param>
public sealed record ContainerFacts(bool Init, bool Sidecar, bool Done, ContainerRunState State, int? ExitCode);
