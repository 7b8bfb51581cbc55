using Berth.Core.Manifests;

namespace Berth.Core.Tests.Validation;

/// <summary>The catalog applied to manifests: Refused fields fail, Warned fields warn, on the pod too.</summary>
public class PodFieldCheckTests
{
    private const string Head = "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n";

    [Theory]
    [InlineData("  containers: [{ name: a, image: busybox, envFrom: [{ configMapRef: { name: c } }] }]", "spec.containers[0].envFrom", "envFrom is not supported")]
    [InlineData("  initContainers: [{ name: i, image: busybox, restartPolicy: Always, restartPolicyRules: [{ action: Restart, exitCodes: { operator: In, values: [1] } }] }]\n  containers: [{ name: a, image: busybox }]", "spec.initContainers[0].restartPolicyRules", "restartPolicyRules is not implemented")]
    [InlineData("  runtimeClassName: kata\n  containers: [{ name: a, image: busybox }]", "spec.runtimeClassName", "runtime classes are not supported")]
    [InlineData("  ephemeralContainers: [{ name: e, image: busybox }]\n  containers: [{ name: a, image: busybox }]", "spec.ephemeralContainers", "ephemeral containers")]
    [InlineData("  containers: [{ name: a, image: busybox, volumeMounts: [{ name: v, mountPath: /v, recursiveReadOnly: Enabled }] }]\n  volumes: [{ name: v, emptyDir: {} }]", "spec.containers[0].volumeMounts[0].recursiveReadOnly", "recursiveReadOnly")]
    public void A_refused_field_fails_naming_the_field(string spec, string path, string note)
    {
        var error = Assert.Single(Assert.Throws<ValidationException>(() => ManifestReader.ReadText(Head + spec, "t.yaml")).Errors);
        Assert.Equal(path, error.Path);
        Assert.StartsWith("Unsupported value: ", error.Message);
        Assert.Contains(note, error.Message);
    }

    [Theory]
    [InlineData("  schedulerName: mine\n  containers: [{ name: a, image: busybox }]", "spec.schedulerName", "scheduler")]
    [InlineData("  tolerations: [{ operator: Exists, effect: NoExecute, tolerationSeconds: 60 }]\n  containers: [{ name: a, image: busybox }]", "spec.tolerations[0].tolerationSeconds", "nothing evicts")]
    [InlineData("  priorityClassName: high\n  containers: [{ name: a, image: busybox }]", "spec.priorityClassName", "scheduler")]
    [InlineData("  affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: zone }] } }\n  containers: [{ name: a, image: busybox }]", "spec.affinity", "scheduler")]
    [InlineData("  containers: [{ name: a, image: busybox, livenessProbe: { exec: { command: [\"true\"] } } }]", "spec.containers[0].livenessProbe", "probes are not run yet")]
    [InlineData("  containers: [{ name: a, image: busybox, resizePolicy: [{ resourceName: cpu, restartPolicy: NotRequired }] }]", "spec.containers[0].resizePolicy", "resize")]
    [InlineData("  volumes: [{ name: v, emptyDir: { sizeLimit: 1Gi } }]\n  containers: [{ name: a, image: busybox }]", "spec.volumes[0].emptyDir.sizeLimit", "not enforced")]
    public void A_warned_field_is_accepted_with_a_warning_on_the_set_and_the_pod(string spec, string path, string note)
    {
        var set = ManifestReader.ReadText(Head + spec, "t.yaml");
        var warning = Assert.Single(set.Warnings);
        Assert.Equal(path, warning.Path);
        Assert.StartsWith("ignored: ", warning.Message);
        Assert.Contains(note, warning.Message);
        Assert.Equal(warning, Assert.Single(set.Pods.Single().Warnings));
    }

    [Fact]
    public void An_empty_status_is_not_worth_a_warning_but_an_empty_refused_volume_source_is_refused()
    {
        var set = ManifestReader.ReadText("apiVersion: v1\nkind: Pod\nmetadata: { name: p, creationTimestamp: null }\nspec: { containers: [{ name: a, image: busybox, resources: {} }] }\nstatus: {}\n", "t.yaml");
        Assert.Empty(set.Warnings);
        var error = Assert.Single(Assert.Throws<ValidationException>(() => ManifestReader.ReadText(Head + "  volumes: [{ name: v, configMap: {} }]\n  containers: [{ name: a, image: busybox }]", "t.yaml")).Errors);
        Assert.Equal("spec.volumes[0].configMap", error.Path);
    }

    [Fact]
    public void Unknown_fields_reach_the_pod_too()
    {
        var set = ManifestReader.ReadText(Head + "  containers: [{ name: a, image: busybox, colour: blue }]", "t.yaml");
        Assert.Equal("spec.containers[0].colour", Assert.Single(set.Pods.Single().Warnings).Path);
    }

    [Theory]
    [InlineData("  nodeSelector: {}\n  tolerations: []\n  containers: [{ name: a, image: busybox, envFrom: [] }]")]
    [InlineData("  priorityClassName: \"\"\n  containers: [{ name: a, image: busybox }]")]
    [InlineData("  affinity: { nodeAffinity: {} }\n  containers: [{ name: a, image: busybox }]")]
    public void Empty_values_are_unset(string spec)
    {
        var set = ManifestReader.ReadText(Head + spec, "t.yaml");
        Assert.Empty(set.Warnings);
    }

    [Fact]
    public void Implemented_fields_pass_without_a_word()
    {
        var set = ManifestReader.ReadText("""
            apiVersion: v1
            kind: Pod
            metadata: { name: p, namespace: ns, labels: { a: b }, annotations: { c: d } }
            spec:
              hostname: h
              restartPolicy: OnFailure
              terminationGracePeriodSeconds: 3
              shareProcessNamespace: true
              enableServiceLinks: false
              securityContext: { runAsUser: 1000, runAsGroup: 1000, supplementalGroups: [5], seccompProfile: { type: RuntimeDefault } }
              containers:
                - name: a
                  image: busybox
                  command: [sleep]
                  args: ["1"]
                  workingDir: /
                  ports: [{ containerPort: 80, hostPort: 8080, protocol: TCP, name: http }]
                  resources: { requests: { cpu: 100m }, limits: { memory: 64Mi } }
                  securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { add: [NET_ADMIN], drop: [ALL] } }
                  stdin: true
                  tty: true
            """, "t.yaml");
        Assert.Empty(set.Warnings);
    }
}
