using Berth.Runtime.Containers;
using Berth.Runtime.Network;
using Berth.Runtime.Sandboxes;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime;

/// <summary>
/// After a crash or a reboot: removes what no record knows (runtime containers, bundles and
/// layers left by a create that never got recorded, network pins no sandbox names) and containers
/// whose sandbox is gone, so nothing is duplicated or leaked.
/// </summary>
public sealed class Reconciler(RuntimeState state, ContainerLifecycle containers, BundleCleanup cleanup, NetnsPins pins, CniNetwork network)
{
    private const int SigKill = 9;

    public async Task ReconcileAsync(CancellationToken ct)
    {
        foreach (var orphan in state.Containers.All.Where(c => !state.Sandboxes.Contains(c.SandboxId)))
        {
            state.Logger.LogWarning("Removing container {ContainerId}: its sandbox {SandboxId} is gone", orphan.Id, orphan.SandboxId);
            await containers.RemoveAsync(orphan, ct);
        }

        var known = state.Sandboxes.Ids.Concat(state.Containers.Ids).ToHashSet();
        var runtimeIds = (await state.Seams.Oci.ListAsync(ct)).Select(s => s.Id);
        var leftovers = runtimeIds.Concat(Dirs(state.Layout.BundlesDir)).Concat(Dirs(state.Layout.ContainersDir)).Concat(Dirs(state.Layout.SandboxesDir));
        foreach (var id in leftovers.Distinct().Where(id => !known.Contains(id)).ToList())
        {
            state.Logger.LogWarning("Removing {Id}: the runtime has it but no record does (an interrupted create)", id);
            await cleanup.TryAsync(() => state.Seams.Oci.KillAsync(id, SigKill, all: true, ct), $"kill {id}");
            await cleanup.ContainerAsync(id);
            cleanup.DeleteTree(state.Layout.SandboxFiles(id));
        }

        // A pinned network namespace no record names was left by a create that died before its
        // record was written: DEL with today's configuration releases what ADD may have taken.
        foreach (var id in pins.Pinned().Where(id => !known.Contains(id)).ToList())
        {
            var pin = state.Layout.NetnsPin(id);
            state.Logger.LogWarning("Removing the pinned network namespace {Pin}: no sandbox record names it", pin);
            if (network.Current().Config is { } cni)
            {
                await cleanup.TryAsync(() => network.DelAsync(cni, new NetworkRequest(id, pin, "", "", "", []), ct), $"tear down the network of {id}");
            }

            pins.Unpin(id);
        }
    }

    private static IEnumerable<string> Dirs(string root) =>
        Directory.Exists(root) ? Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>() : [];
}
