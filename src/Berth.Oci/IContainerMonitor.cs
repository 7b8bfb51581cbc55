namespace Berth.Oci;

/// <summary>How a container ended, as its monitor recorded it.</summary>
/// <param name="ExitCode">128 + signal for a killed process.</param>
/// <param name="At">When the monitor wrote the exit.</param>
/// <param name="OomKilled">The monitor saw the kernel's OOM killer end it.</param>
public sealed record MonitorExit(int ExitCode, DateTimeOffset At, bool OomKilled);

/// <summary>
/// The container monitor (conmon): it creates a container under itself, owns its stdio and log,
/// and outlives the agent, leaving the exit behind in files. Behind an interface so the runtime's
/// lifecycle decisions can be tested without processes.
/// </summary>
public interface IContainerMonitor
{
    /// <summary>Creates the container (runc create) under a new monitor; the caller starts it.</summary>
    Task<MonitoredContainer> CreateAsync(string id, string bundle, MonitorPaths paths, CancellationToken ct, (bool Stdin, bool StdinOnce, bool Tty) stdio = default);

    /// <summary>The exit the monitor recorded; null while the container runs (or when it never recorded one).</summary>
    MonitorExit? ReadExit(MonitorPaths paths, string id);

    /// <summary>The monitor's pid from its pid file; null when it has none (yet).</summary>
    int? ReadMonitorPid(MonitorPaths paths);

    /// <summary>Asks the monitor to reopen the container's log; false when none listens.</summary>
    bool RequestLogReopen(string bundle);
}
