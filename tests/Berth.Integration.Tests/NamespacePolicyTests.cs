using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Integration.Tests.Harness;

namespace Berth.Integration.Tests;

/// <summary>
/// Issue #13's namespace policy on this host: LimitRanges given to play default the containers
/// (read back from the container's memory cgroup) and refuse pods out of bounds; Pod Security
/// levels come from Namespace labels or the agent's configuration, refuse with every check and
/// field, warn on play and record audit events. Refused plays create and store nothing.
/// </summary>
public class NamespacePolicyTests
{
    private const string Busybox = "image: busybox, command: [sleep, \"3600\"]";

    private static string MemoryLimit(string cgroup) =>
        CgroupV2.OnV2 ? CgroupV2.Read(cgroup, "memory.max") : Kernel.CgroupFile("memory", cgroup, "memory.limit_in_bytes");

    private static string Pod(string ns, string name, string spec = "", string container = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
        {{spec}}
          containers:
            - { name: main, {{Busybox}}{{container}} }
        """;

    private static async Task<JsonObject> InspectAsync(Agent agent, string pod) =>
        JsonNode.Parse((await agent.BerthAsync("inspect", pod)).Stdout)!.AsObject();

    [Fact]
    public async Task A_LimitRange_defaults_containers_refuses_pods_out_of_bounds_and_is_listed_and_removed()
    {
        await using var agent = await Agent.StartAsync("limits");
        await TestNode.ImportBusyboxAsync(agent);
        const string Range = """
            apiVersion: v1
            kind: LimitRange
            metadata: { name: limits, namespace: team-a }
            spec:
              limits:
                - type: Container
                  default: { memory: 64Mi }
                  defaultRequest: { memory: 32Mi }
                  max: { memory: 128Mi }
            ---

            """;
        var filled = await agent.PlayRawAsync(Range + Pod("team-a", "filled", "  initContainers:\n    - { name: setup, image: busybox, command: [\"true\"] }"));
        Assert.True(filled.ExitCode == 0, filled.ToString());

        // The default limit is the container's real memory limit, and its init container got it too.
        var doc = await InspectAsync(agent, "team-a/filled");
        var main = doc["containers"]!.AsArray().Single(c => (string?)c!["name"] == "main")!;
        Assert.Equal((64L << 20).ToString(CultureInfo.InvariantCulture), MemoryLimit((string)main["cgroupPath"]!));
        Assert.Equal("Burstable", (string?)doc["qosClass"]);
        Assert.StartsWith("LimitRanger plugin set:", (string?)doc["annotations"]!["kubernetes.io/limit-ranger"], StringComparison.Ordinal);
        var defaults = doc["limitRangeDefaults"]!.AsArray();
        Assert.Contains(defaults, d => (string?)d!["container"] == "main" && (string?)d["field"] == "resources.limits.memory" && (string?)d["value"] == "64Mi" && (string?)d["limitRange"] == "limits");
        Assert.Contains(defaults, d => (string?)d!["container"] == "setup" && (bool)d["init"]! && (string?)d["field"] == "resources.requests.memory" && (string?)d["value"] == "32Mi");

        // Another namespace has no LimitRange: its pod stays BestEffort.
        await using (var other = await agent.PlayAsync("loose", Pod("team-b", "loose")))
        {
            Assert.Equal("BestEffort", (string?)(await InspectAsync(agent, "team-b/loose"))["qosClass"]);
        }

        var listed = await agent.BerthAsync("limitrange", "ls");
        Assert.Matches(@"(?m)^team-a\s+limits\s+Container\s", listed.Stdout);

        // Above max: refused with the API server's message, the field, and nothing created.
        var cgroups = Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList();
        var greedy = Pod("team-a", "greedy", container: ", resources: { limits: { memory: 256Mi } }");
        var refused = await agent.PlayRawAsync(greedy);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("spec.containers[0].resources: container main: maximum memory usage per Container is 128Mi, but limit is 256Mi (LimitRange limits)", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("greedy", (await agent.BerthAsync("ps", "-a")).Stdout, StringComparison.Ordinal);
        Assert.Equal(cgroups, Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList());

        // An invalid LimitRange is refused before anything is stored.
        var invalid = await agent.PlayRawAsync("apiVersion: v1\nkind: LimitRange\nmetadata: { name: wrong, namespace: team-a }\nspec: { limits: [{ type: Container, min: { memory: 1Gi }, max: { memory: 1Mi } }] }\n");
        Assert.True(invalid.ExitCode == 2, invalid.ToString());
        Assert.Contains("spec.limits[0].min.memory", invalid.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", (await agent.BerthAsync("limitrange", "ls")).Stdout, StringComparison.Ordinal);

        // Removed, the bound no longer holds; removing it twice is an error.
        Assert.Equal(0, (await agent.BerthAsync("limitrange", "rm", "limits", "-n", "team-a")).ExitCode);
        Assert.DoesNotContain("limits", (await agent.BerthAsync("limitrange", "ls", "-o", "json")).Stdout, StringComparison.Ordinal);
        var again = await agent.BerthAsync("limitrange", "rm", "limits", "-n", "team-a");
        Assert.True(again.ExitCode == 1 && again.Stderr.Contains("limitrange team-a/limits not found", StringComparison.Ordinal), again.ToString());
        await using var allowed = await agent.PlayAsync("greedy", greedy);
    }

    [Fact]
    public async Task Pod_Security_levels_come_from_namespace_labels_and_the_agent_configuration()
    {
        await using var prepared = Agent.Prepare("psa");
        var config = Path.Combine(prepared.Dir, "psa.yaml");
        await File.WriteAllTextAsync(config, """
            apiVersion: pod-security.admission.config.k8s.io/v1
            kind: PodSecurityConfiguration
            defaults: { enforce: baseline, enforce-version: latest }
            exemptions: { namespaces: [kube-system] }
            """);
        await prepared.StartProcessAsync("--pod-security-config", config);
        var agent = prepared;
        await TestNode.ImportBusyboxAsync(agent);
        var cgroups = Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList();

        // The configuration's default, baseline: the host cgroup namespace is a host namespace (KEP-5714).
        var host = await agent.PlayRawAsync(Pod("plain", "hostcg", "  hostCgroupNamespace: true\n  hostNetwork: true"));
        Assert.True(host.ExitCode == 2, host.ToString());
        Assert.Contains("pods \"hostcg\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostCgroupNamespace=true)", host.Stderr, StringComparison.Ordinal);
        Assert.Contains("spec.hostCgroupNamespace: hostNamespaces:", host.Stderr, StringComparison.Ordinal);
        Assert.Contains("spec.hostNetwork: hostNamespaces:", host.Stderr, StringComparison.Ordinal);

        // A Namespace's labels choose restricted: every violated check is listed with its field,
        // and neither the pod nor the namespace is kept.
        const string Restricted = "apiVersion: v1\nkind: Namespace\nmetadata: { name: secure, labels: { pod-security.kubernetes.io/enforce: restricted } }\n---\n";
        var secure = await agent.PlayRawAsync(Restricted + Pod("secure", "root", container: ", securityContext: { privileged: true }"));
        Assert.True(secure.ExitCode == 2, secure.ToString());
        foreach (var expected in new[]
        {
            "violates PodSecurity \"restricted:latest\"",
            "spec.containers[0].securityContext.privileged: privileged:",
            "spec.containers[0].securityContext.allowPrivilegeEscalation: allowPrivilegeEscalation:",
            "spec.containers[0].securityContext.runAsNonRoot: runAsNonRoot:",
            "spec.containers[0].securityContext.seccompProfile.type: seccompProfile_restricted:",
        })
        {
            Assert.Contains(expected, secure.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(cgroups, Kernel.CgroupDirectoriesUnder($"{agent.CgroupRoot}/kubepods").Order().ToList());
        Assert.DoesNotMatch(@"\b(hostcg|root)\b", (await agent.BerthAsync("ps", "-a")).Stdout);
        var plainInSecure = await agent.PlayRawAsync(Pod("secure", "later"));
        Assert.True(plainInSecure.ExitCode == 0, $"the refused play must not have stored its Namespace: {plainInSecure}");

        // enforce privileged, warn baseline, audit restricted: the pod runs, play warns, the pod has an audit event.
        const string Watched = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: watched\n  labels: { pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/warn: baseline, pod-security.kubernetes.io/audit: restricted }\n---\n";
        var watched = await agent.PlayRawAsync(Watched + Pod("watched", "hostcg", "  hostCgroupNamespace: true"));
        Assert.True(watched.ExitCode == 0, watched.ToString());
        Assert.Contains("pod watched/hostcg: would violate PodSecurity \"baseline:latest\": host namespaces (hostCgroupNamespace=true)", watched.Stderr, StringComparison.Ordinal);
        var events = (await InspectAsync(agent, "watched/hostcg"))["events"]!.AsArray();
        Assert.Contains(events, e => (string?)e!["reason"] == "PodSecurityAudit" && ((string?)e["message"])!.StartsWith("would violate PodSecurity \"restricted:latest\": ", StringComparison.Ordinal));

        // The stored Namespace keeps its levels for the next play.
        var second = await agent.PlayRawAsync(Pod("watched", "second", "  hostCgroupNamespace: true"));
        Assert.Contains("pod watched/second: would violate PodSecurity \"baseline:latest\"", second.Stderr, StringComparison.Ordinal);

        // An exempt namespace is not checked; a label PSA cannot read is refused with its name.
        await using var exempt = await agent.PlayAsync("exempt", Pod("kube-system", "exempt", "  hostNetwork: true"));
        var bad = await agent.PlayRawAsync("apiVersion: v1\nkind: Namespace\nmetadata: { name: odd, labels: { pod-security.kubernetes.io/enforce: strict } }\n");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\"", bad.Stderr, StringComparison.Ordinal);
    }
}
