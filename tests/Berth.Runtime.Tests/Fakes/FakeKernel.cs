using Berth.Linux.Seams;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>
/// The processes of a fake node: pids with start times and namespaces, which the fake monitor,
/// OCI runtime and cgroup driver create and end. Tests end them too, as a crash or a reboot would.
/// </summary>
public sealed class FakeKernel : IProcessTable
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, FakeProcess> processes = [];
    private int nextPid = 1000;
    private ulong nextInode = 4026530000;

    public FakeProcess Spawn()
    {
        lock (gate)
        {
            var pid = ++nextPid;
            var process = new FakeProcess(pid, (ulong)pid * 10)
            {
                Namespaces = new Dictionary<string, ulong> { ["net"] = ++nextInode, ["pid"] = ++nextInode, ["ipc"] = ++nextInode, ["uts"] = ++nextInode, ["mnt"] = ++nextInode },
            };
            processes[pid] = process;
            return process;
        }
    }

    /// <summary>The pid is given to another process: alive, but not the one recorded.</summary>
    public void ReusePid(int pid)
    {
        lock (gate)
        {
            processes[pid] = new FakeProcess(pid, processes[pid].StartTime + 1) { Namespaces = new Dictionary<string, ulong> { ["net"] = ++nextInode } };
        }
    }

    public FakeProcess? Get(int pid)
    {
        lock (gate)
        {
            return processes.GetValueOrDefault(pid);
        }
    }

    public bool IsAlive(int pid) => Get(pid) is { Alive: true };

    public ulong? StartTimeOf(int pid) => Get(pid) is { Alive: true } p ? p.StartTime : null;

    public IReadOnlyDictionary<string, ulong> NamespaceInodes(int pid) =>
        Get(pid) is { Alive: true } p ? p.Namespaces : new Dictionary<string, ulong>();

    public ulong NamespaceInode(int pid, string type) =>
        Get(pid) is { Alive: true } p && p.Namespaces.TryGetValue(type, out var inode) ? inode : throw new IOException($"no such process {pid}");
}

public sealed class FakeProcess(int pid, ulong startTime)
{
    public int Pid { get; } = pid;

    public ulong StartTime { get; } = startTime;

    public bool Alive { get; set; } = true;

    public required IReadOnlyDictionary<string, ulong> Namespaces { get; init; }
}
