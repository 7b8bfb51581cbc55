using Berth.Core.Manifests;

namespace Berth.Core.Tests.Validation;

/// <summary>What play refused before anything was created now fails at read time, for plan too.</summary>
public class RuntimeSupportTests
{
    private static IReadOnlyList<FieldError> Errors(string spec) =>
        Assert.Throws<ValidationException>(() => ManifestReader.ReadText("apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n" + spec, "t.yaml")).Errors;

    [Theory]
    [InlineData("  volumes: [{ name: v, configMap: { name: c, defaultMode: 0644 } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].configMap", "Unsupported value: only emptyDir and hostPath volumes are supported")]
    [InlineData("  volumes: [{ name: v, secret: { secretName: s } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].secret", "Unsupported value: only emptyDir and hostPath volumes are supported")]
    [InlineData("  volumes: [{ name: v, downwardAPI: { items: [] } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].downwardAPI", "Unsupported value: only emptyDir and hostPath volumes are supported")]
    [InlineData("  volumes: [{ name: v }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0]", "Unsupported value: only emptyDir and hostPath volumes are supported")]
    [InlineData("  volumes: [{ name: v, hostPath: { path: data } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].hostPath.path", "Invalid value: \"data\": must be an absolute path without '..'")]
    [InlineData("  volumes: [{ name: v, hostPath: { path: /a/../etc } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].hostPath.path", "Invalid value: \"/a/../etc\": must be an absolute path without '..'")]
    [InlineData("  volumes: [{ name: v, emptyDir: { medium: Memory } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].emptyDir.medium", "Unsupported value: \"Memory\": memory-backed emptyDir (tmpfs) is not implemented yet")]
    [InlineData("  volumes: [{ name: v, emptyDir: { medium: HugePages } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].emptyDir.medium", "Unsupported value: \"HugePages\"")]
    [InlineData("  containers: [{ name: a, image: Busybox }]", "spec.containers[0].image", "Invalid value: \"Busybox\": not an image reference (name[:tag])")]
    [InlineData("  containers: [{ name: a, image: \"busybox:\" }]", "spec.containers[0].image", "not an image reference")]
    [InlineData("  initContainers: [{ name: i, image: \"bad image\" }]\n  containers: [{ name: a, image: busybox }]", "spec.initContainers[0].image", "not an image reference")]
    [InlineData("  containers: [{ name: a, image: busybox, env: [{ name: X, valueFrom: { fieldRef: { fieldPath: metadata.name } } }] }]", "spec.containers[0].env[0].valueFrom", "Unsupported value: only literal values are supported")]
    [InlineData("  containers: [{ name: a, image: busybox, lifecycle: { postStart: { httpGet: { port: 80 } } } }]", "spec.containers[0].lifecycle.postStart.httpGet", "Unsupported value: only exec hooks are supported")]
    [InlineData("  containers: [{ name: a, image: busybox, lifecycle: { preStop: {} } }]", "spec.containers[0].lifecycle.preStop", "Unsupported value: only exec hooks are supported")]
    [InlineData("  os: { name: windows }\n  containers: [{ name: a, image: busybox }]", "spec.os.name", "Unsupported value: \"windows\": supported values: \"linux\"")]
    [InlineData("  dnsPolicy: ClusterLast\n  containers: [{ name: a, image: busybox }]", "spec.dnsPolicy", "Unsupported value: \"ClusterLast\"")]
    [InlineData("  dnsPolicy: None\n  containers: [{ name: a, image: busybox }]", "spec.dnsConfig", "Required value")]
    [InlineData("  dnsPolicy: None\n  dnsConfig: { searches: [a.example] }\n  containers: [{ name: a, image: busybox }]", "spec.dnsConfig.nameservers", "at least one DNS nameserver")]
    [InlineData("  dnsConfig: { nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1] }\n  containers: [{ name: a, image: busybox }]", "spec.dnsConfig.nameservers", "more than 3 nameservers")]
    [InlineData("  dnsConfig: { nameservers: [dns.example] }\n  containers: [{ name: a, image: busybox }]", "spec.dnsConfig.nameservers[0]", "must be a valid IP address")]
    [InlineData("  dnsConfig: { searches: [Bad_Domain] }\n  containers: [{ name: a, image: busybox }]", "spec.dnsConfig.searches[0]", "Invalid value: \"Bad_Domain\"")]
    [InlineData("  hostAliases: [{ ip: 10.0.0.300, hostnames: [db] }]\n  containers: [{ name: a, image: busybox }]", "spec.hostAliases[0].ip", "must be a valid IP address")]
    [InlineData("  hostAliases: [{ ip: 10.0.0.3, hostnames: [Not_A_Host] }]\n  containers: [{ name: a, image: busybox }]", "spec.hostAliases[0].hostnames[0]", "Invalid value: \"Not_A_Host\"")]
    public void Refuses_what_the_runtime_cannot_run(string spec, string path, string message)
    {
        var error = Assert.Single(Errors(spec));
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("busybox")]
    [InlineData("busybox:1.36")]
    [InlineData("library/busybox:latest")]
    [InlineData("docker.io/library/busybox")]
    [InlineData("localhost:5000/team/app:v1")]
    [InlineData("registry.example.com/a/b-c__d.e:V_1.2")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("Registry.Example/x:1")]
    public void Accepts_image_references(string image) => Assert.True(Berth.Core.Validation.ImageReferenceSyntax.IsValid(image));

    [Theory]
    [InlineData("Busybox")]
    [InlineData("busybox:")]
    [InlineData("busybox:-x")]
    [InlineData("a//b")]
    [InlineData("busybox@sha256:abc")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("bad image")]
    public void Refuses_what_is_not_an_image_reference(string image) => Assert.False(Berth.Core.Validation.ImageReferenceSyntax.IsValid(image));

    [Fact]
    public void Accepts_what_the_runtime_runs()
    {
        var set = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              dnsPolicy: None
              dnsConfig: { nameservers: [10.0.0.10], searches: [svc.example.], options: [{ name: ndots, value: "2" }] }
              hostAliases: [{ ip: 10.0.0.3, hostnames: [db, db.local] }]
              os: { name: linux }
              volumes: [{ name: d, emptyDir: {} }, { name: h, hostPath: { path: /srv/data } }]
              containers:
                - name: a
                  image: localhost:5000/app:v1
                  env: [{ name: X, value: "1" }]
                  lifecycle: { preStop: { exec: { command: [sh, -c, "true"] } } }
            """, "t.yaml");
        Assert.Single(set.Pods);
        Assert.Empty(set.Warnings);
    }
}
