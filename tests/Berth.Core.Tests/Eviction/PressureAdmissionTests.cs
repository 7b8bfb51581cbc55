using Berth.Core.Eviction;
using k8s.Models;

namespace Berth.Core.Tests.Eviction;

public class PressureAdmissionTests
{
    private static V1Pod Pod(string containers, string specExtra = "") => Pods.With(containers, specExtra: specExtra).Pod;

    private static readonly V1Pod BestEffort = Pod(Pods.C("app"));
    private static readonly V1Pod Burstable = Pod(Pods.C("app", requests: "memory: 64Mi"));

    public static TheoryData<string, string[], V1Pod, bool> Cases => new()
    {
        { "no pressure admits BestEffort", [], BestEffort, true },
        { "memory pressure admits Burstable", ["MemoryPressure"], Burstable, true },
        { "memory pressure refuses BestEffort", ["MemoryPressure"], BestEffort, false },
        {
            "memory pressure admits BestEffort tolerating the memory-pressure taint",
            ["MemoryPressure"],
            Pod(Pods.C("app"), "  tolerations:\n  - key: node.kubernetes.io/memory-pressure\n    operator: Exists\n    effect: NoSchedule"),
            true
        },
        {
            "an Exists toleration of every taint tolerates it too",
            ["MemoryPressure"],
            Pod(Pods.C("app"), "  tolerations:\n  - operator: Exists"),
            true
        },
        {
            "tolerating disk pressure does not help under memory pressure",
            ["MemoryPressure"],
            Pod(Pods.C("app"), "  tolerations:\n  - key: node.kubernetes.io/disk-pressure\n    operator: Exists\n    effect: NoSchedule"),
            false
        },
        {
            "tolerating only NoExecute does not tolerate the NoSchedule taint",
            ["MemoryPressure"],
            Pod(Pods.C("app"), "  tolerations:\n  - key: node.kubernetes.io/memory-pressure\n    operator: Exists\n    effect: NoExecute"),
            false
        },
        { "disk pressure refuses Burstable", ["DiskPressure"], Burstable, false },
        { "pid pressure refuses Burstable", ["PIDPressure"], Burstable, false },
        { "memory with disk pressure refuses Burstable", ["MemoryPressure", "DiskPressure"], Burstable, false },
        { "a system-critical pod is admitted under disk pressure", ["DiskPressure"], Pod(Pods.C("app"), "  priority: 2000000000"), true },
        { "one below system-critical is not", ["DiskPressure"], Pod(Pods.C("app"), "  priority: 1999999999"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Admission_under_pressure(string name, string[] conditions, V1Pod pod, bool admitted)
    {
        Assert.True(admitted == PressureAdmission.Admit(conditions, pod).Admit, name);
    }

    [Fact]
    public void A_static_pod_is_admitted_under_any_pressure()
    {
        var pod = Pod(Pods.C("app"));
        pod.Metadata.Annotations = new Dictionary<string, string> { ["kubernetes.io/config.source"] = "file" };
        Assert.True(PressureAdmission.Admit(["DiskPressure", "PIDPressure"], pod).Admit);
        pod.Metadata.Annotations["kubernetes.io/config.source"] = "api";
        Assert.False(PressureAdmission.Admit(["DiskPressure"], pod).Admit);
    }

    [Fact]
    public void A_refusal_names_the_conditions_as_the_kubelet_prints_them()
    {
        var refused = PressureAdmission.Admit(["MemoryPressure"], BestEffort);
        Assert.Equal(("Evicted", "The node had condition: [MemoryPressure]. "), (refused.Reason, refused.Message));
        var both = PressureAdmission.Admit(["MemoryPressure", "DiskPressure"], Burstable);
        Assert.Equal("The node had condition: [MemoryPressure DiskPressure]. ", both.Message);
    }
}
