using Berth.Core.Manifests;

namespace Berth.Core.Tests.Manifests;

public class ManifestReaderTests
{
    private static ValidationException Fails(string text) =>
        Assert.Throws<ValidationException>(() => ManifestReader.ReadText(text, "bad.yaml"));

    [Theory]
    [InlineData("kind: LimitRange\nmetadata: { name: lr }\nspec: { limits: [{ type: Container, min: { memory: 1Gi }, max: { memory: 1Mi } }] }", "spec.limits[0].min.memory")]
    [InlineData("kind: LimitRange\nmetadata: { name: lr }\nspec: { limits: [{ type: Box }] }", "spec.limits[0].type")]
    [InlineData("kind: Namespace\nmetadata: { labels: { a: b } }", "metadata.name")]
    [InlineData("kind: Namespace\nmetadata: { name: Upper }", "metadata.name")]
    [InlineData("kind: Namespace\nmetadata: { name: ns, labels: { pod-security.kubernetes.io/enforce: strict } }", "metadata.labels[pod-security.kubernetes.io/enforce]")]
    [InlineData("kind: Namespace\nmetadata: { name: ns, labels: { pod-security.kubernetes.io/warn-version: v2.0 } }", "metadata.labels[pod-security.kubernetes.io/warn-version]")]
    public void Policy_objects_are_checked_as_the_API_server_checks_them_before_storing(string body, string path)
    {
        var e = Fails("apiVersion: v1\n" + body);
        Assert.Contains(e.Errors, x => x.Source == "bad.yaml" && x.Path == path);
    }

    [Fact]
    public void A_PersistentVolumeClaim_limit_is_read_with_a_warning()
    {
        var set = ManifestReader.ReadText("apiVersion: v1\nkind: LimitRange\nmetadata: { name: lr }\nspec: { limits: [{ type: PersistentVolumeClaim, max: { storage: 1Gi } }] }", "lr.yaml");
        Assert.Single(set.LimitRanges);
        Assert.Contains(set.Warnings, w => w.Source == "lr.yaml" && w.Path.StartsWith("spec.limits[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_several_documents_of_supported_kinds_and_warns_about_others()
    {
        var set = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Namespace
            metadata: { name: demo }
            ---
            apiVersion: v1
            kind: Pod
            metadata: { name: one, namespace: demo }
            spec:
              containers: [{ name: a, image: busybox }]
            ---
            apiVersion: v1
            kind: LimitRange
            metadata: { name: lr, namespace: demo }
            spec:
              limits: [{ type: Container, default: { cpu: 500m } }]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: skipped }
            ---
            apiVersion: v1
            kind: Pod
            metadata: { name: two }
            spec:
              containers: [{ name: b, image: busybox }]
            """, "multi.yaml");
        Assert.Equal(["one", "two"], set.Pods.Select(p => p.Pod.Metadata.Name));
        Assert.Equal("demo", set.Namespaces.Single().Metadata.Name);
        Assert.Equal("500m", set.LimitRanges.Single().Spec.Limits[0].DefaultProperty["cpu"].ToString());
        var warning = Assert.Single(set.Warnings);
        Assert.Contains("Deployment", warning.Message);
        Assert.Equal("multi.yaml[3]", warning.Source);
    }

    [Fact]
    public void Reads_json()
    {
        var pod = ManifestReader.ReadText("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},
             "spec":{"hostCgroupNamespace":false,"shareProcessNamespace":true,
                     "containers":[{"name":"a","image":"busybox","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}
            """, "pod.json").Pods.Single();
        Assert.False(pod.HostCgroupNamespace);
        Assert.True(pod.Pod.Spec.ShareProcessNamespace);
        Assert.Equal(1m, pod.Pod.Spec.Containers[0].Resources.Limits["cpu"].ToDecimal());
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("yes", true)] // kubectl reads YAML 1.1 booleans
    public void Reads_hostCgroupNamespace_although_the_model_lacks_it(string value, bool expected)
    {
        var pod = Pods.With(Pods.C("a"), specExtra: $"  hostCgroupNamespace: {value}");
        Assert.Equal(expected, pod.HostCgroupNamespace);
    }

    [Fact]
    public void HostCgroupNamespace_unset_is_null() => Assert.Null(Pods.With(Pods.C("a")).HostCgroupNamespace);

    [Fact]
    public void Unknown_fields_are_warnings()
    {
        var set = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p }
            spec:
              hostCgroupNamespaces: true
              containers: [{ name: a, image: busybox }]
            """, "typo.yaml");
        Assert.Equal("spec.hostCgroupNamespaces", Assert.Single(set.Warnings).Path);
        Assert.Null(set.Pods.Single().HostCgroupNamespace);
    }

    [Fact]
    public void Collects_every_error_with_its_field_path()
    {
        var e = Fails("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: Bad_Name
            spec:
              restartPolicy: Sometimes
              hostCgroupNamespace: "false"
              containers:
                - name: app
                  image: busybox
                  resources:
                    requests: { cpu: "2", memory: 1e400 }
                    limits: { cpu: "1" }
                - name: app
                  resources:
                    limits: { memory: 5Gb, cpu: -1 }
                  securityContext:
                    privileged: "true"
                - name: Upper
                  image: busybox
                - image: busybox
            """);
        var paths = e.Errors.Select(x => x.Path).ToList();
        Assert.Equal(
            [
                "spec.hostCgroupNamespace",
                "spec.containers[0].resources.requests.memory",
                "spec.containers[1].resources.limits.memory",
                "spec.containers[1].resources.limits.cpu",
                "spec.containers[1].securityContext.privileged",
                "metadata.name",
                "spec.restartPolicy",
                "spec.containers[0].resources.requests.cpu",
                "spec.containers[1].name",
                "spec.containers[1].image",
                "spec.containers[2].name",
                "spec.containers[3].name",
            ],
            paths);
        Assert.All(e.Errors, x => Assert.Equal("bad.yaml", x.Source));
        Assert.Contains("Duplicate value: \"app\"", e.Errors[8].Message);
        Assert.Contains("must be less than or equal to cpu limit of 1", e.Errors[7].Message);
        Assert.Contains("\"5Gb\"", e.Errors[2].Message);
        Assert.Contains("too large", e.Errors[1].Message);
        Assert.Contains("greater than or equal to 0", e.Errors[3].Message);
        Assert.Contains("expected boolean, got string \"true\"", e.Errors[4].Message);
    }

    [Theory]
    [InlineData("metadata: { name: p }\nspec: {}", "spec.containers", "Required value")]
    [InlineData("metadata: {}\nspec: { containers: [{ name: a, image: b }] }", "metadata.name", "Required value")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a }] }", "spec.containers[0].image", "Required value")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ image: b }] }", "spec.containers[0].name", "Required value")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b }], initContainers: [{ name: a, image: b }] }", "spec.containers[0].name", "Duplicate value")]
    [InlineData("metadata: { name: p }\nspec: { containers: 3 }", "spec.containers", "expected list")]
    [InlineData("metadata: { name: p }\nspec: { hostPID: 1, containers: [{ name: a, image: b }] }", "spec.hostPID", "expected boolean")]
    [InlineData("metadata: { name: p }\nspec: { terminationGracePeriodSeconds: soon, containers: [{ name: a, image: b }] }", "spec.terminationGracePeriodSeconds", "expected integer")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, command: sh }] }", "spec.containers[0].command", "expected list")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, args: [{ x: y }] }] }", "spec.containers[0].args[0]", "expected string")]
    [InlineData("metadata: { name: p, uid: ../../etc }\nspec: { containers: [{ name: a, image: b }] }", "metadata.uid", "Invalid value")]
    [InlineData("metadata: { name: p, namespace: Not_OK }\nspec: { containers: [{ name: a, image: b }] }", "metadata.namespace", "RFC 1123 label")]
    [InlineData("metadata: { name: p }\nspec: { shareProcessNamespace: true, hostPID: true, containers: [{ name: a, image: b }] }", "spec.shareProcessNamespace", "cannot both")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, restartPolicy: Always }] }", "spec.containers[0].restartPolicy", "Forbidden")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, volumeMounts: [{ name: v, mountPath: /x }] }] }", "spec.containers[0].volumeMounts[0].name", "Not found")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, imagePullPolicy: Sometimes }] }", "spec.containers[0].imagePullPolicy", "Unsupported value")]
    [InlineData("metadata: { name: p }\nspec: { volumes: [{ name: v, emptyDir: {} }], containers: [{ name: a, image: b, volumeMounts: [{ name: v, mountPath: /x, subPath: ../../etc }] }] }", "spec.containers[0].volumeMounts[0].subPath", "without '..'")]
    [InlineData("metadata: { name: p }\nspec: { volumes: [{ name: v, emptyDir: {} }], containers: [{ name: a, image: b, volumeMounts: [{ name: v, mountPath: /x, subPath: /etc }] }] }", "spec.containers[0].volumeMounts[0].subPath", "relative path")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, ports: [{ containerPort: 0 }] }] }", "spec.containers[0].ports[0].containerPort", "between 1 and 65535")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, ports: [{ containerPort: 80, hostPort: 70000 }] }] }", "spec.containers[0].ports[0].hostPort", "between 1 and 65535")]
    [InlineData("metadata: { name: p }\nspec: { containers: [{ name: a, image: b, ports: [{ containerPort: 80, protocol: tcp }] }] }", "spec.containers[0].ports[0].protocol", "Unsupported value")]
    public void Rejects_invalid_pods(string body, string path, string message)
    {
        var error = Assert.Single(Fails("apiVersion: v1\nkind: Pod\n" + body).Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Container_names_longer_than_a_label_are_rejected()
    {
        var error = Assert.Single(Fails($"apiVersion: v1\nkind: Pod\nmetadata: {{ name: p }}\nspec: {{ containers: [{{ name: {new string('a', 64)}, image: b }}] }}").Errors);
        Assert.Equal("spec.containers[0].name", error.Path);
    }

    [Theory]
    [InlineData("a: [b\n", "not valid YAML")]
    [InlineData("", "no Kubernetes object")]
    [InlineData("- just\n- a list\n", "must be a mapping")]
    [InlineData("apiVersion: v1\nmetadata: {}\n", "Required value")]
    [InlineData("apiVersion: v2\nkind: Pod\n", "Unsupported value")]
    public void Rejects_text_that_is_not_a_kubernetes_object(string text, string message) =>
        Assert.Contains(message, Assert.Single(Fails(text).Errors).Message);

    [Fact]
    public void Errors_of_several_documents_are_all_reported()
    {
        var e = Fails("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: { containers: [{ name: a, image: b }] }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: x }\nspec: {}\n");
        Assert.Equal(["bad.yaml[0]", "bad.yaml[1]"], e.Errors.Select(x => x.Source));
    }

    [Fact]
    public void Unreadable_files_are_errors()
    {
        var e = Assert.Throws<ValidationException>(() => ManifestReader.ReadFiles(["/nonexistent/pod.yaml"]));
        Assert.Contains("cannot read file", Assert.Single(e.Errors).Message);
    }
}
