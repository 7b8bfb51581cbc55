using Berth.Core.Audit;
using Berth.Core.Planning;

namespace Berth.Core.Tests.Audit;

public class NodeAuditTests
{
    private static readonly AuditNode Hardened = new(4096, PodsEnforced: true, HasSystemReserved: true, HasKubeReserved: true, SeccompDefault: true, ["/run/berth/berth.sock"]);

    private static AuditPod Pod(string name, string containers, string specExtra = "", QosClass qos = QosClass.Guaranteed, bool hostCgroupNs = false, string ns = "default") =>
        new(ns, name, qos, Pods.With(containers, specExtra: specExtra).Pod.Spec, hostCgroupNs);

    private static readonly string Bounded = Pods.C("app", "cpu: 100m, memory: 64Mi", "cpu: 100m, memory: 64Mi");

    private static IReadOnlyList<AuditFinding> Run(AuditNode node, params AuditPod[] pods) => NodeAudit.Run(node, pods, new HashSet<string> { "default" });

    [Fact]
    public void A_hardened_node_with_bounded_pods_has_no_findings() =>
        Assert.Empty(Run(Hardened, Pod("ok", Bounded)));

    [Theory]
    [InlineData("BA001", "high")]
    [InlineData("BA002", "high")]
    [InlineData("BA003", "medium")]
    public void Node_settings_that_leave_the_node_open_are_found(string id, string severity)
    {
        var node = id switch
        {
            "BA001" => Hardened with { PodPidsLimit = null },
            "BA002" => Hardened with { PodsEnforced = false },
            _ => Hardened with { HasSystemReserved = false, HasKubeReserved = false },
        };
        var finding = Assert.Single(Run(node, Pod("ok", Bounded)));
        Assert.Equal((id, severity), (finding.Id, finding.Severity));
        Assert.NotEmpty(finding.Fix);
    }

    [Fact]
    public void Pods_that_endanger_the_node_are_named_in_the_evidence()
    {
        var findings = NodeAudit.Run(
            Hardened with { SeccompDefault = false },
            [
                Pod("critical", Bounded + "\n      securityContext: { seccompProfile: { type: RuntimeDefault } }"),
                Pod("hog", Pods.C("eat", extra: "securityContext: { seccompProfile: { type: RuntimeDefault } }"), qos: QosClass.BestEffort, ns: "batch"),
                Pod("builder", Pods.C("b", "memory: 1Gi", "memory: 1Gi", "securityContext: { privileged: true }"), hostCgroupNs: true),
                Pod("peek", Bounded + "\n      securityContext: { seccompProfile: { type: RuntimeDefault } }", "  volumes: [{ name: sock, hostPath: { path: /run/berth } }, { name: proc, hostPath: { path: /proc/1 } }]"),
            ],
            new HashSet<string> { "default" });
        string[] Evidence(string id) => [.. findings.Single(f => f.Id == id).Evidence];
        Assert.Equal(["batch/hog is BestEffort (beside 3 Guaranteed)"], Evidence("BA004"));
        Assert.Equal(["batch/hog/eat"], Evidence("BA005"));
        Assert.Equal(["default/builder"], Evidence("BA006"));
        Assert.Equal(["namespace batch"], Evidence("BA007"));
        Assert.Equal(["default/builder/b"], Evidence("BA008")); // privileged: no seccomp whatever it names
        Assert.Equal(["default/peek volume sock: hostPath /run/berth", "default/peek volume proc: hostPath /proc/1"], Evidence("BA009"));
        Assert.Contains(findings, f => f.Severity == NodeAudit.High);
    }

    [Fact]
    public void Without_seccomp_default_a_container_naming_no_profile_is_unconfined()
    {
        var finding = Assert.Single(Run(Hardened with { SeccompDefault = false }, Pod("plain", Bounded)));
        Assert.Equal(("BA008", "default/plain/app"), (finding.Id, finding.Evidence.Single()));
    }
}
