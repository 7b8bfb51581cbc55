using Berth.Core.Manifests;
using Berth.Core.Security.PodSecurity;
using Berth.Runtime.Policy;

namespace Berth.Runtime.Tests.Policy;

/// <summary>The namespace's admission on stored and played policy: LimitRanger first, then Pod Security.</summary>
public sealed class NamespaceAdmissionTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("berth-nsadmit-").FullName;
    private readonly NamespacePolicies policies;
    private PodSecurityConfiguration configuration = PodSecurityConfiguration.Default;

    public NamespaceAdmissionTests() => policies = new NamespacePolicies(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private NamespaceAdmission Admission => new(policies, () => configuration);

    private static ManifestSet Read(string yaml) => ManifestReader.ReadText(yaml, "play.yaml");

    private static string Pod(string name, string ns = "team", string container = "", string spec = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
        {{spec}}
          containers: [{ name: main, image: busybox{{container}} }]

        """;

    private static string Range(string name, string memory, string ns = "team") =>
        $"apiVersion: v1\nkind: LimitRange\nmetadata: {{ name: {name}, namespace: {ns} }}\nspec: {{ limits: [{{ type: Container, default: {{ memory: {memory} }}, max: {{ memory: 1Gi }} }}] }}\n---\n";

    private IReadOnlyList<NamespaceAdmitted> Admit(string yaml)
    {
        var set = Read(yaml);
        return Admission.Admit(set.Pods, set.LimitRanges, set.Namespaces);
    }

    [Fact]
    public async Task Stored_LimitRanges_default_the_pod_and_a_played_one_of_the_same_name_replaces_it()
    {
        await Admission.SaveAsync(Read(Range("limits", "64Mi")).LimitRanges, [], CancellationToken.None);

        var stored = Assert.Single(Admit(Pod("a")));
        Assert.Equal("64Mi", stored.Manifest.Pod.Spec.Containers[0].Resources.Limits["memory"].ToString());
        // A default limit is also the default request (the LimitRange's defaulting): both came from it.
        Assert.Equal(["limits=resources.limits.memory=64Mi", "limits=resources.requests.memory=64Mi"], stored.Provenance.Select(p => $"{p.LimitRange}={p.FieldPath}={p.Value}").Order());
        Assert.StartsWith("LimitRanger plugin set:", stored.Manifest.Pod.Metadata.Annotations["kubernetes.io/limit-ranger"], StringComparison.Ordinal);

        var replaced = Assert.Single(Admit(Range("limits", "32Mi") + Pod("b")));
        Assert.Equal("32Mi", replaced.Manifest.Pod.Spec.Containers[0].Resources.Limits["memory"].ToString());
        Assert.Null(Assert.Single(Admit(Pod("c", ns: "other"))).Manifest.Pod.Spec.Containers[0].Resources?.Limits);
    }

    [Fact]
    public void Every_refused_pod_is_reported_with_its_field_and_nothing_is_stored()
    {
        var e = Assert.Throws<ValidationException>(() => Admit(
            Range("limits", "64Mi") + Pod("big", container: ", resources: { limits: { memory: 2Gi } }") + "---\n" + Pod("host", spec: "  hostCgroupNamespace: true")
            + "---\napiVersion: v1\nkind: Namespace\nmetadata: { name: team, labels: { pod-security.kubernetes.io/enforce: baseline } }\n"));

        Assert.Contains(e.Errors, x => x.Path == "spec.containers[0].resources" && x.Message == "container main: maximum memory usage per Container is 1Gi, but limit is 2Gi (LimitRange limits)");
        Assert.Contains(e.Errors, x => x.Message == "pods \"host\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostCgroupNamespace=true)");
        Assert.Contains(e.Errors, x => x.Path == "spec.hostCgroupNamespace" && x.Message.StartsWith("hostNamespaces: ", StringComparison.Ordinal));
        Assert.Empty(policies.LimitRangeRecords);
        Assert.Empty(policies.Namespaces);
    }

    [Fact]
    public async Task Pod_Security_reads_stored_labels_over_the_configured_defaults_and_warns_and_audits()
    {
        configuration = configuration with { Defaults = PodSecurityLabels.PolicyFor(new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "baseline" }, PodSecurityPolicy.Privileged, "").Policy };
        Assert.Throws<ValidationException>(() => Admit(Pod("host", spec: "  hostNetwork: true")));

        var labels = "apiVersion: v1\nkind: Namespace\nmetadata: { name: team, labels: { pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/warn: baseline, pod-security.kubernetes.io/audit: restricted } }\n";
        await Admission.SaveAsync([], Read(labels).Namespaces, CancellationToken.None);
        var admitted = Assert.Single(Admit(Pod("host", spec: "  hostNetwork: true")));
        Assert.Equal("play.yaml: pod team/host: would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", Assert.Single(admitted.Warnings));
        Assert.StartsWith("would violate PodSecurity \"restricted:latest\": ", admitted.Audit, StringComparison.Ordinal);

        configuration = configuration with { ExemptNamespaces = ["team"] };
        var exempt = Assert.Single(Admit(Pod("host", spec: "  hostNetwork: true")));
        Assert.Empty(exempt.Warnings);
        Assert.Null(exempt.Audit);
    }
}
