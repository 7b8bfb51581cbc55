using Berth.Linux;

namespace Berth.Runtime.Sandboxes;

/// <summary>
/// A sandbox's network namespace pinned by a bind mount of its nsfs file, so that teardown never
/// depends on the infra pid (which could be reused), as containerd and CRI-O pin theirs.
/// </summary>
public sealed class NetnsPins(RuntimeState state)
{
    public string Pin(string sandboxId, int infraPid)
    {
        Directory.CreateDirectory(state.Layout.NetnsDir);
        var pin = state.Layout.NetnsPin(sandboxId);
        File.WriteAllBytes(pin, []);
        state.Seams.Mounts.BindMount(NamespacePaths.Of(infraPid, "net"), pin, readOnly: false);
        return pin;
    }

    public void Unpin(string sandboxId)
    {
        var pin = state.Layout.NetnsPin(sandboxId);
        if (File.Exists(pin))
        {
            state.Seams.Mounts.Unmount(pin);
            File.Delete(pin);
        }
    }

    /// <summary>Pins no sandbox record names: left by a create that died before its record was written.</summary>
    public IEnumerable<string> Pinned() =>
        Directory.Exists(state.Layout.NetnsDir) ? Directory.EnumerateFiles(state.Layout.NetnsDir).Select(Path.GetFileName).OfType<string>() : [];
}
