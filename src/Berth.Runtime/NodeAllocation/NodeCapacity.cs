using Berth.Core.Capacity;
using Berth.Linux;

namespace Berth.Runtime.NodeAllocation;

/// <summary>The node's capacity as the kubelet reads it through cAdvisor: cpus in millicores,
/// MemTotal, the pid capacity and the size of the filesystem under the runtime's root.</summary>
public static class NodeCapacity
{
    public static NodeResources Read(RuntimeOptions options) => new(
        MilliCpu: Environment.ProcessorCount * 1000L,
        Memory: HostFacts.MemoryCapacity(),
        Pids: HostFacts.PidCapacity(),
        EphemeralStorage: HostFacts.FilesystemCapacity(options.Root));
}
