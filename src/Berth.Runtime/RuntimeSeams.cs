using Berth.Images;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Linux.Seams;
using Berth.Oci;
using Berth.Oci.Spec;

namespace Berth.Runtime;

/// <summary>
/// Everything the runtime needs from the node, each behind a small interface (youki's Syscall
/// trait is the model): the OCI runtime, the container monitor, cgroups, images, mounts and the
/// process table, plus two facts of the agent's own process. Tests pass fakes; the agent passes
/// <see cref="Host"/>.
/// </summary>
/// <param name="HardNofile">The agent's hard RLIMIT_NOFILE, which containers get as theirs.</param>
/// <param name="BoundingCapabilities">The agent's bounding set: what a privileged container gets.</param>
public sealed record RuntimeSeams(
    IOciRuntime Oci,
    IContainerMonitor Monitor,
    ICgroupDriver Cgroups,
    IImageStore Images,
    IMountTable Mounts,
    IProcessTable Processes,
    ulong HardNofile,
    IReadOnlyList<string> BoundingCapabilities)
{
    /// <summary>This host's mounts, /proc and limits.</summary>
    public static RuntimeSeams Host(IOciRuntime oci, IContainerMonitor monitor, ICgroupDriver cgroups, IImageStore images) =>
        new(oci, monitor, cgroups, images, HostMountTable.Instance, HostProcessTable.Instance, ResourceLimits.HardNofile(), SpecDefaults.BoundingCapabilities());
}
