namespace Berth.Runtime.Model;

/// <summary>
/// The moves a sandbox or container record may make, after containerd's CRI store: a container
/// goes created → running → exited (or created → exited when its start fails or it is stopped
/// unstarted) and never back; a sandbox goes ready → not ready, and a pod that needs a ready one
/// again gets a new sandbox.
/// </summary>
public static class StateMachines
{
    public static bool ContainerMove(ContainerState from, ContainerState to) => (from, to) switch
    {
        _ when from == to => true,
        (ContainerState.Created, ContainerState.Running) => true,
        (ContainerState.Created, ContainerState.Exited) => true,
        (ContainerState.Running, ContainerState.Exited) => true,
        _ => false,
    };

    public static bool SandboxMove(SandboxState from, SandboxState to) =>
        from == to || (from, to) is (SandboxState.Ready, SandboxState.NotReady);
}
