using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>play and plan share one validation; what play accepts but ignores is said and recorded;
/// hostAliases and dnsConfig reach the container's files.</summary>
[Collection("node")]
public class PlayValidationTests(TestNode node)
{
    [Fact]
    public async Task Play_refuses_what_plan_refuses_with_the_same_lines_and_creates_nothing()
    {
        var file = Path.Combine(node.Agent.Dir, $"unsupported-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: v1
            kind: Pod
            metadata: { name: unsupported }
            spec:
              volumes:
                - name: config
                  configMap: { name: app-config, defaultMode: 0644 }
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  env:
                    - name: POD_NAME
                      valueFrom: { fieldRef: { fieldPath: metadata.name } }
            """);
        var plan = await node.Agent.BerthAsync("plan", file);
        var play = await node.Agent.BerthAsync("play", file);
        Assert.Equal(2, plan.ExitCode);
        Assert.Equal(2, play.ExitCode);
        Assert.Contains($"error: {file}: spec.volumes[0].configMap: Unsupported value: only emptyDir and hostPath volumes are supported", play.Stderr);
        Assert.Contains($"error: {file}: spec.containers[0].env[0].valueFrom: Unsupported value: only literal values are supported", play.Stderr);
        Assert.Equal(plan.Stderr, play.Stderr);
        var ps = await node.Agent.BerthAsync("ps", "-a", "-o", "json");
        Assert.DoesNotContain(JsonNode.Parse(ps.Stdout)!.AsArray(), p => (string?)p!["name"] == "unsupported");
    }

    /// <summary>Pod-level resources need a pod cgroup of their own on cgroup v2, as in the kubelet:
    /// on a v1 node (this host) the pod is refused, never run without its limits.</summary>
    [Fact]
    public async Task Pod_level_resources_are_refused_on_a_cgroup_v1_node_and_nothing_is_created()
    {
        Assert.False(CgroupV2.OnV2, "this test needs a cgroup v1 node; the v2 lane proves the values");
        var play = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: pod-level-v1 }
            spec:
              resources: { limits: { cpu: 500m, memory: 128Mi } }
              containers:
                - { name: app, image: busybox, command: ["sleep", "3600"] }
            """);

        Assert.Equal(2, play.ExitCode);
        Assert.Contains("spec.resources: Forbidden: pod-level resources need cgroup v2", play.Stderr);
        var ps = await node.Agent.BerthAsync("ps", "-a", "-o", "json");
        Assert.DoesNotContain(JsonNode.Parse(ps.Stdout)!.AsArray(), p => (string?)p!["name"] == "pod-level-v1");
    }

    [Fact]
    public async Task Play_prints_ignored_fields_and_records_them_as_warning_events()
    {
        var play = await node.Agent.PlayRawAsync("""
            apiVersion: v1
            kind: Pod
            metadata: { name: warned }
            spec:
              schedulerName: my-scheduler
              containers:
                - name: app
                  image: busybox
                  command: ["sleep", "3600"]
                  livenessProbe: { exec: { command: ["true"] } }
                  colour: blue
            """);
        await using var pod = new Pod(node.Agent, "warned");
        Assert.True(play.ExitCode == 0, play.ToString());
        Assert.Contains("spec.schedulerName: ignored: the scheduler's field: there is no scheduler on a single node", play.Stderr);
        Assert.Contains("spec.containers[0].livenessProbe: ignored: probes are not run yet", play.Stderr);
        Assert.Contains("spec.containers[0].colour: unknown field, ignored", play.Stderr);

        var events = await node.Agent.BerthAsync("events", "warned", "-o", "json");
        Assert.True(events.ExitCode == 0, events.ToString());
        var warnings = JsonNode.Parse(events.Stdout)!.AsArray().Select(e => e!.AsObject())
            .Where(e => (string?)e["type"] == "Warning" && (string?)e["reason"] == "FieldIgnored").Select(e => (string)e["message"]!).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains("spec.schedulerName: ignored: the scheduler's field: there is no scheduler on a single node", warnings);
        Assert.Contains(warnings, w => w.StartsWith("spec.containers[0].livenessProbe: ignored: probes are not run yet", StringComparison.Ordinal));
        Assert.Contains("spec.containers[0].colour: unknown field, ignored", warnings);
        Assert.Equal("Running", (string?)(await pod.InspectAsync())["phase"]);
    }

    [Fact]
    public async Task HostAliases_and_dnsConfig_are_written_into_the_containers_files()
    {
        await using var pod = await node.Agent.PlayAsync("named", """
            apiVersion: v1
            kind: Pod
            metadata: { name: named }
            spec:
              hostAliases:
                - { ip: 10.1.2.3, hostnames: [db, db.local] }
              dnsPolicy: None
              dnsConfig:
                nameservers: [10.0.0.10]
                searches: [svc.example]
                options: [{ name: ndots, value: "2" }]
              containers: [{ name: app, image: busybox, command: ["sleep", "3600"] }]
            """);
        var hosts = await pod.ShAsync("app", "cat /etc/hosts");
        Assert.Contains("\n# Entries added by HostAliases.\n10.1.2.3\tdb\tdb.local\n", hosts);
        Assert.Contains("127.0.0.1\tlocalhost", hosts);
        Assert.Equal("search svc.example\nnameserver 10.0.0.10\noptions ndots:2\n", await pod.ShAsync("app", "cat /etc/resolv.conf"));
    }
}
