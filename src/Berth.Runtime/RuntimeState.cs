using Berth.Linux;
using Berth.Runtime.Model;
using Berth.Runtime.Store;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime;

/// <summary>
/// What the runtime's parts share: the node seams, the file layout, the sandbox and container
/// records, and the lifecycle event stream. One instance per <see cref="PodRuntime"/>.
/// </summary>
public sealed class RuntimeState
{
    private int oomClampLogged;

    public RuntimeState(RuntimeOptions options, RuntimeSeams seams, ILogger logger)
    {
        Layout = new BundleLayout(options);
        Seams = seams;
        Logger = logger;
        Sandboxes = new(new RecordStore<SandboxRecord>(options.SandboxesDir), StateMachines.SandboxMove);
        Containers = new(new RecordStore<ContainerRecord>(options.ContainersDir), StateMachines.ContainerMove);
    }

    public BundleLayout Layout { get; }

    public RuntimeOptions Options => Layout.Options;

    public RuntimeSeams Seams { get; }

    public ILogger Logger { get; }

    public RecordCache<SandboxRecord, SandboxState> Sandboxes { get; }

    public RecordCache<ContainerRecord, ContainerState> Containers { get; }

    public ContainerEvents Events { get; } = new();

    /// <summary>The same process as when it was recorded: alive, and not a reused pid.</summary>
    public bool IsSameProcess(int pid, ulong startTime) =>
        pid > 0 && Seams.Processes.IsAlive(pid) && (startTime == 0 || Seams.Processes.StartTimeOf(pid) == startTime);

    public void Publish(ContainerEventType type, ContainerRecord container) =>
        Events.Publish(type, container, Sandboxes.Get(container.SandboxId)?.Config.Origin ?? SandboxOrigin.Standalone);

    /// <summary>Without CAP_SYS_RESOURCE the kernel refuses to lower oom_score_adj and runc then
    /// fails the container; clamp to what this process may set and say so once.</summary>
    public int ClampOomScore(int desired)
    {
        var allowed = OomScoreAdj.Clamp(desired);
        if (allowed != desired && Interlocked.Exchange(ref oomClampLogged, 1) == 0)
        {
            Logger.LogWarning("oom_score_adj {Desired} cannot be set without CAP_SYS_RESOURCE; using {Allowed} (and clamping likewise from now on)", desired, allowed);
        }

        return allowed;
    }
}
