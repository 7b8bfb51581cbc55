using Berth.Core.Planning;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Runtime.Containers;
using Berth.Runtime.Model;
using Berth.Runtime.Network;
using Berth.Runtime.Specs;
using Berth.Runtime.UserNamespaces;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Sandboxes;

/// <summary>
/// Pod sandboxes: the infra process under its monitor holding the pod's namespaces, the pinned
/// network namespace with its CNI attachment, and teardown in the kubelet runtimes' order
/// (containers, network, infra, files, the cgroup parent the sandbox made).
/// </summary>
public sealed class SandboxLifecycle(RuntimeState state, ContainerLifecycle containers, ContainerExits exits, BundleCleanup cleanup, NetnsPins pins, CniNetwork network, PodUserNamespaces userNamespaces)
{
    private const int SigKill = 9;
    private int noNetworkLogged;

    private RuntimeSeams Seams => state.Seams;

    public async Task<SandboxRecord> RunAsync(SandboxConfig config, CancellationToken ct)
    {
        var id = Ids.New();
        var layout = state.Layout;
        SandboxNetwork? attached = null;
        try
        {
            Directory.CreateDirectory(layout.Rootfs(id));
            PodFiles.Write(layout.SandboxFiles(id), SandboxSpec.HostnameOf(config), config.Dns, config.HostAliases);
            await userNamespaces.PrepareSandboxAsync(config, layout.Rootfs(id));
            var spec = SandboxSpec.Build(config, id, layout.Rootfs(id), state.Options, state.ClampOomScore(config.OomScoreAdj), Seams.HardNofile);
            await ContainerLifecycle.WriteSpecAsync(layout, id, spec, ct);
            var created = await Seams.Monitor.CreateAsync(id, layout.Bundle(id), layout.InfraMonitor(id), ct);
            await Seams.Oci.StartAsync(id, ct);
            attached = await AttachNetworkAsync(id, created.Pid, config, ct);
            var record = await state.Sandboxes.AddAsync(
                new SandboxRecord
                {
                    Id = id,
                    Config = config,
                    State = SandboxState.Ready,
                    InfraPid = created.Pid,
                    InfraStartTime = Seams.Processes.StartTimeOf(created.Pid) ?? 0,
                    CreatedAt = DateTimeOffset.UtcNow,
                    NamespaceInodes = Seams.Processes.NamespaceInodes(created.Pid),
                    Network = attached,
                    Ips = attached?.Ips ?? [],
                },
                ct);
            state.Logger.LogInformation("Sandbox {SandboxId} of pod {Namespace}/{Pod} running, infra pid {Pid}{Ip}", id, config.Namespace, config.Name, created.Pid, record.Ips.Count > 0 ? $", ip {record.Ips[0]}" : "");
            return record;
        }
        catch
        {
            if (attached is not null)
            {
                await cleanup.TryAsync(() => network.DelAsync(attached, NetworkRequestOf(id, attached.NetnsPath, config), CancellationToken.None), $"tear down the network of {id}");
            }

            pins.Unpin(id);
            await cleanup.SandboxAsync(id);
            throw;
        }
    }

    /// <summary>
    /// The pod network for a sandbox with its own network namespace: the namespace is pinned and
    /// handed to the CNI plugins. Without a CNI configuration the pod keeps its loopback only.
    /// </summary>
    private async Task<SandboxNetwork?> AttachNetworkAsync(string id, int infraPid, SandboxConfig config, CancellationToken ct)
    {
        if (config.Network != NamespaceMode.Pod)
        {
            return null;
        }

        var (cni, problem) = network.Current();
        if (cni is null)
        {
            if (Interlocked.Exchange(ref noNetworkLogged, 1) == 0)
            {
                state.Logger.LogWarning("Pods get a loopback interface only: {Problem}", problem);
            }

            return null;
        }

        return await network.AddAsync(cni, NetworkRequestOf(id, pins.Pin(id, infraPid), config), ct);
    }

    internal static NetworkRequest NetworkRequestOf(string id, string netns, SandboxConfig config) =>
        new(id, netns, config.Name, config.Namespace, config.Uid, config.PortMappings);

    public async Task StopAsync(SandboxRecord sandbox, CancellationToken ct)
    {
        using var _ = await state.Sandboxes.AcquireAsync(sandbox.Id, ct);
        foreach (var container in state.Containers.All.Where(c => c.SandboxId == sandbox.Id))
        {
            await containers.StopAsync(container, TimeSpan.Zero, ct);
        }

        sandbox = state.Sandboxes.Get(sandbox.Id) ?? sandbox;

        // The network goes before the infra process, as the kubelet's runtimes do it. A failed
        // DEL fails the stop, so the kubelet retries it rather than leaking an address.
        if (sandbox.Network is { } attached)
        {
            await network.DelAsync(attached, NetworkRequestOf(sandbox.Id, attached.NetnsPath, sandbox.Config), ct);
            pins.Unpin(sandbox.Id);
            await state.Sandboxes.UpdateAsync(sandbox.Id, s => s with { Network = null }, ct);
        }

        await Seams.Oci.KillAsync(sandbox.Id, SigKill, all: true, ct);
        await exits.WaitForStopAsync(sandbox.Id, TimeSpan.FromSeconds(10), ct);
        await Seams.Oci.DeleteAsync(sandbox.Id, ct);
        await state.Sandboxes.UpdateAsync(sandbox.Id, s => s with { State = SandboxState.NotReady, InfraPid = 0 }, ct);
    }

    public async Task RemoveAsync(SandboxRecord sandbox, CancellationToken ct)
    {
        await StopAsync(sandbox, ct);
        foreach (var container in state.Containers.All.Where(c => c.SandboxId == sandbox.Id))
        {
            await containers.RemoveAsync(container, ct);
        }

        await cleanup.SandboxAsync(sandbox.Id);
        if (sandbox.Config.OwnsCgroupParent && !state.Sandboxes.All.Any(s => s.Id != sandbox.Id && s.Config.CgroupParent == sandbox.Config.CgroupParent))
        {
            try
            {
                Seams.Cgroups.Remove(sandbox.Config.CgroupParent);
            }
            catch (Exception e) when (e is CgroupException or IOException)
            {
                state.Logger.LogWarning("Sandbox {SandboxId}: cannot remove its cgroup parent {Cgroup}: {Error}", sandbox.Id, sandbox.Config.CgroupParent, e.Message);
            }
        }

        state.Sandboxes.Delete(sandbox.Id);
    }

    /// <summary>The sandbox with its state checked against the node: NotReady once its infra is gone.</summary>
    public SandboxRecord? Get(string idOrPrefix)
    {
        var sandbox = state.Sandboxes.Find(idOrPrefix);
        if (sandbox is null || sandbox.State == SandboxState.NotReady)
        {
            return sandbox;
        }

        return InfraAlive(sandbox) ? sandbox : sandbox with { State = SandboxState.NotReady };
    }

    /// <summary>
    /// Where a sandbox's network namespace can be entered: its pin, else its infra process's
    /// namespace. Null for a host-network sandbox, whose ports are the node's.
    /// </summary>
    public string? NetnsPathOf(string sandboxIdOrPrefix)
    {
        var sandbox = Get(sandboxIdOrPrefix) ?? throw new NotFoundException($"pod sandbox {sandboxIdOrPrefix} not found");
        if (sandbox.Config.Network == NamespaceMode.Node)
        {
            return null;
        }

        if (sandbox.State != SandboxState.Ready)
        {
            throw new PreconditionException($"pod sandbox {sandbox.Id} is not ready");
        }

        var pin = state.Layout.NetnsPin(sandbox.Id);
        return File.Exists(pin) ? pin : NamespacePaths.Of(sandbox.InfraPid, "net");
    }

    private bool InfraAlive(SandboxRecord sandbox)
    {
        if (!state.IsSameProcess(sandbox.InfraPid, sandbox.InfraStartTime))
        {
            return false;
        }

        // A reused pid would not carry the sandbox's network namespace. A process that is dying
        // right now loses its /proc/<pid>/ns links as we read them: that is gone too.
        try
        {
            return !sandbox.NamespaceInodes.TryGetValue("net", out var net) || Seams.Processes.NamespaceInode(sandbox.InfraPid, "net") == net;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
