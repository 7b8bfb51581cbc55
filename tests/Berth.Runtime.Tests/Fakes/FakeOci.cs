using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Berth.Oci.Spec;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>
/// runc and conmon together, as a fake: containers are created under a fake monitor process
/// (reading the bundle's config.json as runc would), started, signalled and deleted; an ended
/// container leaves an exit record the way conmon leaves its exit file. Every call is logged.
/// </summary>
public sealed class FakeOci(FakeKernel kernel) : IOciRuntime, IContainerMonitor
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, FakeContainer> containers = [];

    public string Binary => "runc";

    public IReadOnlyList<string> GlobalArgs => [];

    /// <summary>"start id", "kill id 15", "kill id 9 --all", "delete id", "update id" …</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Containers whose process ignores this signal (SIGTERM, say) and must be killed.</summary>
    public HashSet<int> IgnoredSignals { get; } = [];

    /// <summary>Ids whose start fails as runc start would.</summary>
    public HashSet<string> FailStart { get; } = [];

    public List<(string Id, ResourcesSpec Resources)> Updates { get; } = [];

    public FakeContainer this[string id]
    {
        get
        {
            lock (gate)
            {
                return containers[id];
            }
        }
    }

    public IReadOnlyList<FakeContainer> All
    {
        get
        {
            lock (gate)
            {
                return [.. containers.Values];
            }
        }
    }

    /// <summary>A container the runtime knows but no record does (a create the agent never recorded).</summary>
    public FakeContainer AddStray(string id)
    {
        lock (gate)
        {
            return containers[id] = new FakeContainer(id, kernel.Spawn(), kernel.Spawn(), null) { Status = "running" };
        }
    }

    // ------------------------------------------------------------- monitor

    public Task<MonitoredContainer> CreateAsync(string id, string bundle, MonitorPaths paths, CancellationToken ct, (bool Stdin, bool StdinOnce, bool Tty) stdio = default)
    {
        var spec = JsonSerializer.Deserialize<RuntimeSpec>(File.ReadAllText(Path.Combine(bundle, "config.json")), RuntimeSpec.Json)!;
        var container = new FakeContainer(id, kernel.Spawn(), kernel.Spawn(), spec) { Status = "created" };
        lock (gate)
        {
            containers[id] = container;
            Calls.Add($"create {id}");
        }

        return Task.FromResult(new MonitoredContainer(container.Process.Pid, container.Monitor.Pid));
    }

    public MonitorExit? ReadExit(MonitorPaths paths, string id)
    {
        lock (gate)
        {
            return containers.TryGetValue(id, out var c) ? c.Exit : null;
        }
    }

    public int? ReadMonitorPid(MonitorPaths paths) => null;

    public bool RequestLogReopen(string bundle) => true;

    // ------------------------------------------------------------- runtime

    public Task<OciState?> StateAsync(string id, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(containers.TryGetValue(id, out var c) ? new OciState(id, c.Status, c.Process.Pid, "") : null);
        }
    }

    public Task StartAsync(string id, CancellationToken ct)
    {
        lock (gate)
        {
            Calls.Add($"start {id}");
            if (FailStart.Contains(id) || containers[id].Status != "created")
            {
                throw new CommandException(new CommandResult($"runc start {id}", 1, "", "exec: \"nope\": executable file not found in $PATH"));
            }

            containers[id].Status = "running";
        }

        return Task.CompletedTask;
    }

    public Task KillAsync(string id, int signal, bool all, CancellationToken ct)
    {
        lock (gate)
        {
            Calls.Add($"kill {id} {signal}{(all ? " --all" : "")}");
            // As Runc.KillAsync: a container already deleted is not an error for a caller that wants it stopped.
            if (!containers.TryGetValue(id, out var c))
            {
                return Task.CompletedTask;
            }

            if (!IgnoredSignals.Contains(signal))
            {
                End(c, 128 + signal, oom: false);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string id, CancellationToken ct)
    {
        lock (gate)
        {
            Calls.Add($"delete {id}");
            containers.Remove(id);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OciState>> ListAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<OciState>>([.. containers.Values.Select(c => new OciState(c.Id, c.Status, c.Process.Pid, ""))]);
        }
    }

    public Task UpdateAsync(string id, ResourcesSpec resources, CancellationToken ct)
    {
        lock (gate)
        {
            Calls.Add($"update {id}");
            Updates.Add((id, resources));
        }

        return Task.CompletedTask;
    }

    // ------------------------------------------------------------- what tests make happen

    /// <summary>The container's process ends with <paramref name="code"/>; its monitor records it and exits.</summary>
    public void Exit(string id, int code, bool oom = false)
    {
        lock (gate)
        {
            End(containers[id], code, oom);
        }
    }

    /// <summary>Process and monitor both vanish without an exit record (the monitor was killed; a reboot).</summary>
    public void Vanish(string id)
    {
        lock (gate)
        {
            var c = containers[id];
            c.Process.Alive = false;
            c.Monitor.Alive = false;
            c.Status = "stopped";
        }
    }

    /// <summary>Kills every container whose cgroup is at or below <paramref name="cgroup"/>.</summary>
    public int KillCgroup(string cgroup)
    {
        lock (gate)
        {
            var hit = containers.Values.Where(c => c.Process.Alive && c.Spec?.Linux.CgroupsPath is { } p && (p == cgroup || p.StartsWith(cgroup.TrimEnd('/') + "/", StringComparison.Ordinal))).ToList();
            foreach (var c in hit)
            {
                End(c, 137, oom: false);
            }

            return hit.Count;
        }
    }

    private static void End(FakeContainer c, int code, bool oom)
    {
        if (!c.Process.Alive)
        {
            return;
        }

        c.Process.Alive = false;
        c.Monitor.Alive = false;
        c.Status = "stopped";
        c.Exit = new MonitorExit(code, DateTimeOffset.UtcNow, oom);
    }
}

public sealed class FakeContainer(string id, FakeProcess process, FakeProcess monitor, RuntimeSpec? spec)
{
    public string Id { get; } = id;

    public FakeProcess Process { get; } = process;

    public FakeProcess Monitor { get; } = monitor;

    /// <summary>The bundle's config.json as the runtime was given it (none for a stray).</summary>
    public RuntimeSpec? Spec { get; } = spec;

    public string Status { get; set; } = "created";

    public MonitorExit? Exit { get; set; }
}
