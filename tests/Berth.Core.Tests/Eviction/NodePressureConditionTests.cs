using Berth.Core.Eviction;
using static Berth.Core.Tests.Eviction.Observe;

namespace Berth.Core.Tests.Eviction;

public class NodePressureConditionTests
{
    [Theory]
    [InlineData("MemoryPressure", true, "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", "NodeHasInsufficientMemory")]
    [InlineData("MemoryPressure", false, "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "NodeHasSufficientMemory")]
    [InlineData("DiskPressure", true, "True", "KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure")]
    [InlineData("DiskPressure", false, "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure")]
    [InlineData("PIDPressure", true, "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available", "NodeHasInsufficientPID")]
    [InlineData("PIDPressure", false, "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID")]
    public void Status_reason_and_message_are_the_kubelets(string type, bool pressure, string status, string reason, string message, string transitionEvent)
    {
        var condition = new NodePressureCondition(type, pressure, T0);
        var v1 = condition.ToV1(T0.AddMinutes(1));
        Assert.Equal((type, status, reason, message), (v1.Type, v1.Status, v1.Reason, v1.Message));
        Assert.Equal(T0.UtcDateTime, v1.LastTransitionTime);
        Assert.Equal(T0.AddMinutes(1).UtcDateTime, v1.LastHeartbeatTime);
        Assert.Equal(transitionEvent, condition.TransitionEvent);
    }

    [Fact]
    public void The_transition_time_moves_only_when_the_status_changes()
    {
        var first = NodePressureCondition.Next(null, "DiskPressure", false, T0);
        Assert.Equal(T0, first.LastTransitionTime);
        var same = NodePressureCondition.Next(first, "DiskPressure", false, T0.AddMinutes(1));
        Assert.Equal(T0, same.LastTransitionTime);
        var changed = NodePressureCondition.Next(same, "DiskPressure", true, T0.AddMinutes(2));
        Assert.Equal(T0.AddMinutes(2), changed.LastTransitionTime);
        Assert.True(changed.Pressure);
    }
}
