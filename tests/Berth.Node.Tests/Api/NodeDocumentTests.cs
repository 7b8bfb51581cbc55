using Berth.Core.Eviction;
using Berth.Node.Api;
using Berth.Runtime;

namespace Berth.Node.Tests.Api;

public class NodeDocumentTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Before_the_first_eviction_pass_the_pressure_conditions_are_Unknown()
    {
        var conditions = NodeDocument.Conditions(new NodePressure(), Start);

        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], conditions.Select(c => c.Type));
        Assert.All(conditions.Take(3), c => Assert.Equal(("Unknown", "NotMonitored"), (c.Status, c.Reason)));
    }

    [Fact]
    public void The_pressure_conditions_are_the_eviction_managers_with_its_heartbeat_and_transition_times()
    {
        var pressure = new NodePressure();
        var raised = Start.AddMinutes(1);
        pressure.Update(
            [new NodePressureCondition("MemoryPressure", true, raised), new NodePressureCondition("DiskPressure", false, Start), new NodePressureCondition("PIDPressure", false, Start)],
            Start.AddMinutes(2));

        var conditions = NodeDocument.Conditions(pressure, Start.AddMinutes(3));

        var memory = conditions.Single(c => c.Type == "MemoryPressure");
        Assert.Equal(("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"), (memory.Status, memory.Reason, memory.Message));
        Assert.Equal((raised.UtcDateTime, Start.AddMinutes(2).UtcDateTime), (memory.LastTransitionTime, memory.LastHeartbeatTime));
        var disk = conditions.Single(c => c.Type == "DiskPressure");
        Assert.Equal(("False", "KubeletHasNoDiskPressure"), (disk.Status, disk.Reason));
        Assert.Equal(("True", "KubeletReady"), (conditions.Single(c => c.Type == "Ready").Status, conditions.Single(c => c.Type == "Ready").Reason));
    }
}
