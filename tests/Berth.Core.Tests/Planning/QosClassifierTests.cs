using Berth.Core.Planning;
using static Berth.Core.Tests.Pods;

namespace Berth.Core.Tests.Planning;

public class QosClassifierTests
{
    public static TheoryData<string, string, QosClass> Cases => new()
    {
        { "no resources", C("a"), QosClass.BestEffort },
        { "only extended resources", C("a", requests: "ephemeral-storage: 1Gi", limits: "ephemeral-storage: 1Gi"), QosClass.BestEffort },
        { "zero requests", C("a", requests: "cpu: 0, memory: 0"), QosClass.BestEffort },
        { "requests equal limits", C("a", "cpu: 1, memory: 1Gi", "cpu: 1, memory: 1Gi"), QosClass.Guaranteed },
        { "only limits: requests default to them", C("a", limits: "cpu: 500m, memory: 256Mi"), QosClass.Guaranteed },
        { "same value spelled differently", C("a", "cpu: 1000m, memory: 1024Mi", "cpu: 1, memory: 1Gi"), QosClass.Guaranteed },
        { "only a cpu limit", C("a", limits: "cpu: 1"), QosClass.Burstable },
        { "requests below limits", C("a", "cpu: 100m, memory: 1Gi", "cpu: 1, memory: 1Gi"), QosClass.Burstable },
        { "only requests", C("a", requests: "memory: 1Gi"), QosClass.Burstable },
        { "BestEffort sidecar in a Burstable pod", C("a", requests: "cpu: 100m") + "\n" + C("b"), QosClass.Burstable },
        { "one Guaranteed and one BestEffort container", C("a", limits: "cpu: 1, memory: 1Gi") + "\n" + C("b"), QosClass.Burstable },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_like_kubernetes(string because, string containers, QosClass expected) =>
        Assert.True(expected == QosClassifier.Classify(With(containers).Pod.Spec), because);

    [Fact]
    public void Init_container_without_limits_makes_a_guaranteed_pod_burstable() =>
        Assert.Equal(QosClass.Burstable, QosClassifier.Classify(With(C("a", limits: "cpu: 1, memory: 1Gi"), C("init", requests: "cpu: 100m")).Pod.Spec));

    [Fact]
    public void Init_container_with_resources_makes_a_besteffort_pod_burstable() =>
        Assert.Equal(QosClass.Burstable, QosClassifier.Classify(With(C("a"), C("init", requests: "memory: 10Mi")).Pod.Spec));

    [Fact]
    public void Guaranteed_init_and_app_containers_stay_guaranteed() =>
        Assert.Equal(QosClass.Guaranteed, QosClassifier.Classify(With(C("a", limits: "cpu: 1, memory: 1Gi"), C("init", limits: "cpu: 2, memory: 2Gi")).Pod.Spec));
}
