using Berth.Core.Manifests;

namespace Berth.Core.Tests.Manifests;

/// <summary>The reader gives a manifest the values Kubernetes' reader gives it.</summary>
public class Yaml11ReaderTests
{
    private static k8s.Models.V1Pod Read(string spec) => ManifestReader.ReadText($"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"} name: p {"}"}
        spec:
        {spec}
        """, "t.yaml").Pods.Single().Pod;

    [Fact]
    public void Leading_zero_integers_are_octal_and_quoted_text_stays_text()
    {
        var pod = Read("""
              terminationGracePeriodSeconds: 010
              securityContext: { runAsUser: 0644, runAsGroup: 0x10 }
              containers:
                - name: a
                  image: busybox
                  env:
                    - { name: MODE, value: 0644 }
                    - { name: QUOTED, value: "0644" }
                    - { name: SINGLE, value: '0644' }
                    - { name: FLAG, value: yes }
                    - { name: SWITCH, value: Off }
                    - { name: QUOTED_FLAG, value: "yes" }
                    - { name: RATIO, value: 1.50 }
                  resources: { limits: { memory: 0100 } }
            """);
        Assert.Equal(8, pod.Spec.TerminationGracePeriodSeconds);
        Assert.Equal(420, pod.Spec.SecurityContext.RunAsUser);
        Assert.Equal(16, pod.Spec.SecurityContext.RunAsGroup);
        var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("420", env["MODE"]);
        Assert.Equal("0644", env["QUOTED"]);
        Assert.Equal("0644", env["SINGLE"]);
        Assert.Equal("true", env["FLAG"]);
        Assert.Equal("false", env["SWITCH"]);
        Assert.Equal("yes", env["QUOTED_FLAG"]);
        Assert.Equal("1.5", env["RATIO"]);
        Assert.Equal(64m, pod.Spec.Containers[0].Resources.Limits["memory"].ToDecimal());
    }

    [Theory]
    [InlineData("on", true)]
    [InlineData("Y", true)]
    [InlineData("NO", false)]
    [InlineData("off", false)]
    public void Yaml11_booleans_fill_boolean_fields(string text, bool expected) =>
        Assert.Equal(expected, Read($"  hostPID: {text}\n  containers: [{{ name: a, image: busybox }}]").Spec.HostPID);

    [Fact]
    public void A_quoted_boolean_is_a_string_not_a_boolean()
    {
        var error = Assert.Single(Assert.Throws<ValidationException>(() => Read("  hostPID: \"on\"\n  containers: [{ name: a, image: busybox }]")).Errors);
        Assert.Equal("spec.hostPID", error.Path);
        Assert.Contains("expected boolean, got string \"on\"", error.Message);
    }

    [Fact]
    public void Labels_take_booleans_and_numbers_as_their_text()
    {
        var pod = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p, labels: { canary: yes, tier: 010 } }
            spec: { containers: [{ name: a, image: busybox }] }
            """, "t.yaml").Pods.Single().Pod;
        Assert.Equal("true", pod.Metadata.Labels["canary"]);
        Assert.Equal("8", pod.Metadata.Labels["tier"]);
    }
}
