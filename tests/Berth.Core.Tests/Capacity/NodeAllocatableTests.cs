using Berth.Core.Capacity;

namespace Berth.Core.Tests.Capacity;

public class NodeAllocatableTests
{
    private const long Gi = 1024L * 1024 * 1024;
    private const long Mi = 1024L * 1024;

    private static readonly NodeResources Capacity = new(MilliCpu: 2000, Memory: 24 * Gi, Pids: 4_194_304, EphemeralStorage: 100 * Gi);

    public static TheoryData<string, string, string, long, long, long, long> Cases => new()
    {
        // name, systemReserved, kubeReserved, allocatable cpu, memory, pids, ephemeral-storage
        { "no reservations: capacity less the default hard thresholds", "", "", 2000, (24 * Gi) - (100 * Mi), 4_194_304, 90 * Gi },
        { "system only", "cpu=500m,memory=1Gi,pid=1000", "", 1500, (23 * Gi) - (100 * Mi), 4_193_304, 90 * Gi },
        { "both add up", "cpu=500m,memory=1Gi", "cpu=250m,memory=512Mi,ephemeral-storage=10Gi", 1250, (24 * Gi) - (1536 * Mi) - (100 * Mi), 4_194_304, 80 * Gi },
        { "never below zero", "cpu=3,memory=30Gi", "", 0, 0, 4_194_304, 90 * Gi },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Allocatable_is_capacity_less_reservations_and_hard_eviction(string name, string system, string kube, long cpu, long memory, long pids, long storage)
    {
        var allocatable = new NodeAllocatable(Capacity, Reserved(system), Reserved(kube), EvictionThresholds.DefaultHard).Allocatable;
        Assert.True(allocatable == new NodeResources(cpu, memory, pids, storage), $"{name}: {allocatable}");
    }

    [Fact]
    public void Kubepods_is_limited_without_the_eviction_threshold()
    {
        var node = new NodeAllocatable(Capacity, Reserved("cpu=500m,memory=1Gi,pid=1000"), Reserved("memory=512Mi"), EvictionThresholds.DefaultHard);
        Assert.Equal(new NodeResources(1500, (24 * Gi) - (1536 * Mi), 4_193_304, 100 * Gi), node.KubepodsLimits);
        Assert.Equal((24 * Gi) - (1536 * Mi) - (100 * Mi), node.Allocatable.Memory);
    }

    [Fact]
    public void Percentage_thresholds_are_taken_of_capacity()
    {
        var errors = new List<string>();
        var hard = EvictionThresholds.ParseFlag("memory.available<10%,nodefs.available<5Gi", "--eviction-hard", errors);
        Assert.Empty(errors);
        var node = new NodeAllocatable(Capacity, NodeResources.None, NodeResources.None, hard);
        Assert.Equal(new NodeResources(Memory: (long)Math.Ceiling(24 * Gi * 0.1), EphemeralStorage: 5 * Gi), node.EvictionReservation);
    }

    [Theory]
    [InlineData("gpu=1", "systemReserved.gpu: Unsupported value")]
    [InlineData("memory=lots", "systemReserved.memory: Invalid value: \"lots\"")]
    [InlineData("cpu=-1", "systemReserved.cpu: Invalid value: \"-1\": must be greater than or equal to 0")]
    public void Bad_reservations_name_the_field(string text, string expected)
    {
        var errors = new List<string>();
        NodeResources.Parse(Pairs(text), "systemReserved", errors);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("memory.avail<1Gi", "--eviction-hard.memory.avail: Unsupported value: \"memory.avail\"")]
    [InlineData("memory.available<120%", "--eviction-hard.memory.available: Invalid value: \"120%\"")]
    [InlineData("memory.available>1Gi", "--eviction-hard: Invalid value: \"memory.available>1Gi\"")]
    public void Bad_thresholds_name_the_signal(string text, string expected)
    {
        var errors = new List<string>();
        EvictionThresholds.ParseFlag(text, "--eviction-hard", errors);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    private static NodeResources Reserved(string text)
    {
        var errors = new List<string>();
        var reserved = NodeResources.Parse(Pairs(text), "reserved", errors);
        Assert.Empty(errors);
        return reserved;
    }

    private static IEnumerable<KeyValuePair<string, string?>> Pairs(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => new KeyValuePair<string, string?>(p.Split('=')[0], p.Split('=')[1]));
}
