using Berth.Runtime.Model;

namespace Berth.Runtime.Containers;

/// <summary>
/// Learns how containers ended: from the monitor's exit record (code, time, OOM marker) and the
/// cgroup's OOM kill count. A process that vanished with neither (its monitor killed, the host
/// rebooted) is reported as such, never left running forever.
/// </summary>
public sealed class ContainerExits(RuntimeState state)
{
    /// <summary>The record, with its exit learnt when there is one to learn.</summary>
    public async Task<ContainerRecord> RefreshAsync(ContainerRecord container, CancellationToken ct)
    {
        if (container.State == ContainerState.Exited)
        {
            return container;
        }

        var monitor = state.Layout.Monitor(container.Id, container.LogFile);
        var exit = state.Seams.Monitor.ReadExit(monitor, container.Id);
        if (exit is null)
        {
            if (state.IsSameProcess(container.Pid, container.StartTime) || MonitorAlive(container))
            {
                return container;
            }

            // conmon writes the exit file before it exits: with the monitor gone, look once more.
            exit = state.Seams.Monitor.ReadExit(monitor, container.Id);
        }

        var cgroupOom = exit is { OomKilled: false } && state.Seams.Cgroups.OomKills(container.CgroupPath) > 0;
        var changed = await state.Containers.UpdateAsync(container.Id, current => current.State == ContainerState.Exited ? current : Exited(current, exit, cgroupOom), ct);
        if (changed is not { } c)
        {
            return Exited(container, exit, cgroupOom); // removed meanwhile
        }

        if (!ReferenceEquals(c.Before, c.After))
        {
            state.Publish(ContainerEventType.Stopped, c.After);
        }

        return c.After;
    }

    /// <summary>The exited record for a monitor's exit, or for a process gone without one.</summary>
    /// <param name="cgroupOom">The cgroup counted an OOM kill (the monitor may have missed it).</param>
    public static ContainerRecord Exited(ContainerRecord container, Oci.MonitorExit? exit, bool cgroupOom) =>
        exit is { } e
            ? container with
            {
                State = ContainerState.Exited,
                ExitCode = e.ExitCode,
                Signal = e.ExitCode > 128 ? e.ExitCode - 128 : null,
                FinishedAt = Later(e.At, container.StartedAt),
                Reason = e.OomKilled || cgroupOom ? "OOMKilled" : e.ExitCode == 0 ? "Completed" : "Error",
            }
            : container with
            {
                State = ContainerState.Exited,
                ExitCode = 255,
                FinishedAt = DateTimeOffset.UtcNow,
                Reason = "Error",
                Message = "the container's process is gone and its monitor recorded no exit code (was the host rebooted?)",
            };

    /// <summary>runc calls a container stopped once its process is gone (or knows it no more).</summary>
    public async Task<bool> WaitForStopAsync(string id, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            var oci = await state.Seams.Oci.StateAsync(id, ct);
            if (oci is null || oci.Status == "stopped")
            {
                return true;
            }

            await Task.Delay(50, ct);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    /// <summary>
    /// runc calls a container stopped once its process is gone; the exit code comes from its
    /// monitor a moment later. Waiting for that record means a caller that stopped a container
    /// then sees it exited, with its code, rather than still running.
    /// </summary>
    public async Task AwaitRecordedExitAsync(string id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (state.Containers.Get(id) is { } current
            && (await RefreshAsync(current, ct)).State != ContainerState.Exited
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
    }

    private bool MonitorAlive(ContainerRecord container)
    {
        if (container.MonitorPid > 0)
        {
            return state.IsSameProcess(container.MonitorPid, container.MonitorStartTime);
        }

        // Created before its pid file was read: read it now.
        return state.Seams.Monitor.ReadMonitorPid(state.Layout.Monitor(container.Id, container.LogFile)) is { } pid && state.Seams.Processes.IsAlive(pid);
    }

    /// <summary>File times and the system clock can disagree by a tick; a finish is never before its start.</summary>
    private static DateTimeOffset Later(DateTimeOffset finished, DateTimeOffset? started) =>
        started is { } s && s > finished ? s : finished;
}
