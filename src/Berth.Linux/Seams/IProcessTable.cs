namespace Berth.Linux.Seams;

/// <summary>
/// What the runtime asks of /proc about processes it started: whether one still lives, the start
/// time that tells it from a reused pid, and the namespaces it is in. Behind an interface so the
/// runtime's decisions can be tested without processes.
/// </summary>
public interface IProcessTable
{
    /// <summary>Exists and is neither a zombie nor dead.</summary>
    bool IsAlive(int pid);

    /// <summary>Start time in clock ticks since boot; null when the process is gone.</summary>
    ulong? StartTimeOf(int pid);

    /// <summary>Every namespace of the process by type; empty once it has exited.</summary>
    IReadOnlyDictionary<string, ulong> NamespaceInodes(int pid);

    /// <summary>The inode of one namespace of the process.</summary>
    /// <exception cref="IOException">The process is gone or its namespaces cannot be read.</exception>
    ulong NamespaceInode(int pid, string type);
}

/// <summary>This host's /proc.</summary>
public sealed class HostProcessTable : IProcessTable
{
    public static readonly HostProcessTable Instance = new();

    public bool IsAlive(int pid) => ProcessTable.IsAlive(pid);

    public ulong? StartTimeOf(int pid) => ProcessTable.StartTimeOf(pid);

    public IReadOnlyDictionary<string, ulong> NamespaceInodes(int pid) => Linux.NamespaceInodes.Read(pid);

    public ulong NamespaceInode(int pid, string type) => Linux.NamespaceInodes.Of(pid, type);
}
