using Berth.Core.Security.PodSecurity;
using static Berth.Core.Tests.Security.PodSecurity.PsaPods;

namespace Berth.Core.Tests.Security.PodSecurity;

public class PodSecurityStandardsTests
{
    private static string Violations(string level, string version, string container, string spec = "", string metadata = "", bool? hostCgroupNamespace = null) =>
        PodSecurityViolation.Describe(PodSecurityStandards.Check(
            Pod(container, spec, metadata), hostCgroupNamespace, PodSecurityLevels.Parse(level)!.Value, PodSecurityVersion.Parse(version)!.Value));

    [Theory]
    // hostNamespaces
    [InlineData("latest", "", "hostNetwork: true", "host namespaces (hostNetwork=true)")]
    [InlineData("latest", "", "hostPID: true\nhostIPC: true", "host namespaces (hostPID=true, hostIPC=true)")]
    [InlineData("latest", "", "hostNetwork: false\nhostPID: false\nhostIPC: false", "")]
    // privileged
    [InlineData("latest", "securityContext: { privileged: true }", "", "privileged (container \"c\" must not set securityContext.privileged=true)")]
    [InlineData("latest", "securityContext: { privileged: false }", "", "")]
    // capabilities_baseline: docker's default set may be added back
    [InlineData("latest", "securityContext: { capabilities: { add: [SYS_TIME, CHOWN, NET_ADMIN] } }", "", "non-default capabilities (container \"c\" must not include \"NET_ADMIN\", \"SYS_TIME\" in securityContext.capabilities.add)")]
    [InlineData("latest", "securityContext: { capabilities: { add: [CHOWN, NET_BIND_SERVICE, SYS_CHROOT], drop: [ALL] } }", "", "")]
    // hostPathVolumes
    [InlineData("latest", "", "volumes: [{ name: h, hostPath: { path: / } }, { name: e, emptyDir: {} }, { name: n, nfs: { server: s, path: / } }]", "hostPath volumes (volume \"h\")")]
    // hostPorts: a set of strings, sorted as text
    [InlineData("latest", "ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 10080 }]", "", "hostPort (container \"c\" uses hostPorts 10080, 8080)")]
    [InlineData("latest", "ports: [{ containerPort: 80, hostPort: 0 }, { containerPort: 81 }]", "", "")]
    // hostProbesAndHostLifecycle from v1.34
    [InlineData("latest", "livenessProbe: { httpGet: { port: 80, host: 10.0.0.1 } }\nlifecycle: { preStop: { tcpSocket: { port: 80, host: metadata } } }", "", "probe or lifecycle host (container \"c\" uses probe or lifecycle hosts \"10.0.0.1\", \"metadata\")")]
    [InlineData("v1.34", "readinessProbe: { tcpSocket: { port: 80, host: 10.0.0.1 } }", "", "probe or lifecycle host (container \"c\" uses probe or lifecycle host \"10.0.0.1\")")]
    [InlineData("v1.33", "readinessProbe: { tcpSocket: { port: 80, host: 10.0.0.1 } }", "", "")]
    [InlineData("latest", "readinessProbe: { httpGet: { port: 80 } }", "", "")]
    // appArmorProfile
    [InlineData("latest", "securityContext: { appArmorProfile: { type: Unconfined } }", "securityContext: { appArmorProfile: { type: Unconfined } }", "forbidden AppArmor profile (pod and container \"c\" must not set AppArmor profile type to \"Unconfined\")")]
    [InlineData("latest", "securityContext: { appArmorProfile: { type: Localhost, localhostProfile: p } }", "securityContext: { appArmorProfile: { type: RuntimeDefault } }", "")]
    // seLinuxOptions: container_engine_t from v1.31
    [InlineData("latest", "securityContext: { seLinuxOptions: { type: spc_t, user: system_u, role: sysadm_r } }", "", "seLinuxOptions (container \"c\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set; role may not be set)")]
    [InlineData("latest", "securityContext: { seLinuxOptions: { type: container_engine_t, level: \"s0:c1\" } }", "", "")]
    [InlineData("v1.30", "securityContext: { seLinuxOptions: { type: container_engine_t } }", "", "seLinuxOptions (container \"c\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")")]
    [InlineData("latest", "", "securityContext: { seLinuxOptions: { role: r } }", "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: role may not be set)")]
    // procMount: from v1.35 any value in the pod's own user namespace
    [InlineData("latest", "securityContext: { procMount: Unmasked }", "", "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")")]
    [InlineData("latest", "securityContext: { procMount: Unmasked }", "hostUsers: false", "")]
    [InlineData("v1.34", "securityContext: { procMount: Unmasked }", "hostUsers: false", "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")")]
    [InlineData("latest", "securityContext: { procMount: Default }", "", "")]
    // seccompProfile_baseline: the fields from v1.19, the annotations before
    [InlineData("latest", "securityContext: { seccompProfile: { type: Unconfined } }", "", "seccompProfile (container \"c\" must not set securityContext.seccompProfile.type to \"Unconfined\")")]
    [InlineData("latest", "", "securityContext: { seccompProfile: { type: Unconfined } }", "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")")]
    [InlineData("v1.18", "securityContext: { seccompProfile: { type: Unconfined } }", "", "")]
    [InlineData("latest", "", "", "")]
    // sysctls: the allowed set grows by version
    [InlineData("latest", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\" }, { name: kernel.msgmax, value: \"1\" }] }", "forbidden sysctls (kernel.msgmax)")]
    [InlineData("v1.31", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\" }, { name: kernel.msgmax, value: \"1\" }] }", "forbidden sysctls (net.ipv4.tcp_rmem, kernel.msgmax)")]
    [InlineData("v1.32", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\" }, { name: net.ipv4.tcp_wmem, value: \"4096 16384 4194304\" }] }", "")]
    [InlineData("v1.36", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_notsent_lowat, value: \"1\" }] }", "forbidden sysctls (net.ipv4.tcp_notsent_lowat)")]
    [InlineData("v1.37", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_notsent_lowat, value: \"1\" }] }", "")]
    [InlineData("v1.26", "", "securityContext: { sysctls: [{ name: net.ipv4.ip_local_reserved_ports, value: \"1\" }, { name: net.ipv4.tcp_syncookies, value: \"1\" }] }", "forbidden sysctls (net.ipv4.ip_local_reserved_ports)")]
    [InlineData("v1.27", "", "securityContext: { sysctls: [{ name: net.ipv4.ip_local_reserved_ports, value: \"1\" }] }", "")]
    [InlineData("v1.28", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_keepalive_time, value: \"1\" }] }", "forbidden sysctls (net.ipv4.tcp_keepalive_time)")]
    [InlineData("v1.29", "", "securityContext: { sysctls: [{ name: net.ipv4.tcp_keepalive_time, value: \"1\" }] }", "")]
    // windowsHostProcess
    [InlineData("latest", "securityContext: { windowsOptions: { hostProcess: true } }", "securityContext: { windowsOptions: { hostProcess: true } }", "hostProcess (pod and container \"c\" must not set securityContext.windowsOptions.hostProcess=true)")]
    [InlineData("latest", "securityContext: { windowsOptions: { hostProcess: false } }", "", "")]
    public void Baseline_checks(string version, string container, string spec, string expected) =>
        Assert.Equal(expected, Violations("baseline", version, container, spec));

    [Theory]
    [InlineData("annotations: { container.apparmor.security.beta.kubernetes.io/c: unconfined }", "latest",
        "forbidden AppArmor profile (annotation must not set AppArmor profile type to \"container.apparmor.security.beta.kubernetes.io/c=\"unconfined\"\")")]
    [InlineData("annotations: { container.apparmor.security.beta.kubernetes.io/c: runtime/default, container.apparmor.security.beta.kubernetes.io/d: localhost/p }", "latest", "")]
    [InlineData("annotations: { seccomp.security.alpha.kubernetes.io/pod: unconfined, container.seccomp.security.alpha.kubernetes.io/c: docker/default }", "v1.18",
        "seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")")]
    [InlineData("annotations: { seccomp.security.alpha.kubernetes.io/pod: unconfined, container.seccomp.security.alpha.kubernetes.io/c: unconfined }", "v1.0",
        "seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/c=\"unconfined\", seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")")]
    [InlineData("annotations: { seccomp.security.alpha.kubernetes.io/pod: unconfined }", "v1.19", "")]
    public void Baseline_annotation_checks(string metadata, string version, string expected) =>
        Assert.Equal(expected, Violations("baseline", version, "", metadata: metadata));

    [Fact]
    public void Init_and_ephemeral_containers_are_checked_in_psa_order()
    {
        var spec = """
            initContainers: [{ name: i, image: busybox, securityContext: { privileged: true } }]
            ephemeralContainers: [{ name: e, image: busybox, securityContext: { privileged: true, capabilities: { add: [BPF] } } }]
            """;
        var violations = PodSecurityStandards.Check(Pod("securityContext: { privileged: true }", spec), null, PodSecurityLevel.Baseline, PodSecurityVersion.Latest);

        Assert.Equal(
            "non-default capabilities (container \"e\" must not include \"BPF\" in securityContext.capabilities.add), "
            + "privileged (containers \"i\", \"c\", \"e\" must not set securityContext.privileged=true)",
            PodSecurityViolation.Describe(violations));
        Assert.Equal(
            ["spec.initContainers[0].securityContext.privileged", "spec.containers[0].securityContext.privileged", "spec.ephemeralContainers[0].securityContext.privileged"],
            violations.Single(v => v.CheckId == "privileged").Paths);
        Assert.Equal(["spec.ephemeralContainers[0].securityContext.capabilities.add[0]"], violations.Single(v => v.CheckId == "capabilities_baseline").Paths);
    }

    [Theory]
    [InlineData("latest", Restricted, "", "")]
    [InlineData("latest", "", "",
        "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
        + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
        + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
        + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")")]
    // The pod's runAsNonRoot and seccompProfile cover containers that do not set their own ...
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }", "securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }", "")]
    // ... and a container's own value wins over the pod's.
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: false, seccompProfile: { type: Unconfined } }", "securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }",
        "runAsNonRoot != true (container \"c\" must not set securityContext.runAsNonRoot=false), seccompProfile (container \"c\" must not set securityContext.seccompProfile.type to \"Unconfined\")")]
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true, seccompProfile: { type: Localhost, localhostProfile: p.json } }", "securityContext: { runAsNonRoot: false, seccompProfile: { type: Unconfined } }",
        "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")")]
    // runAsUser from v1.23; runAsUser and runAsNonRoot relaxed in a user namespace from v1.35
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: RuntimeDefault } }", "securityContext: { runAsUser: 0 }",
        "runAsUser=0 (pod and container \"c\" must not set runAsUser=0)")]
    [InlineData("v1.22", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: RuntimeDefault } }", "", "")]
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsUser: 0, seccompProfile: { type: RuntimeDefault } }", "hostUsers: false", "")]
    [InlineData("v1.34", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsUser: 0, seccompProfile: { type: RuntimeDefault } }", "hostUsers: false",
        "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), runAsUser=0 (container \"c\" must not set runAsUser=0)")]
    // capabilities_restricted from v1.22 replaces baseline's; only NET_BIND_SERVICE may be added
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL], add: [NET_BIND_SERVICE, CHOWN, SYS_ADMIN] }, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }", "",
        "unrestricted capabilities (container \"c\" must not include \"CHOWN\", \"SYS_ADMIN\" in securityContext.capabilities.add)")]
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [NET_RAW], add: [SYS_ADMIN] }, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }", "",
        "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]; container \"c\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add)")]
    [InlineData("v1.21", "securityContext: { allowPrivilegeEscalation: false, capabilities: { add: [SYS_ADMIN] }, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }", "",
        "non-default capabilities (container \"c\" must not include \"SYS_ADMIN\" in securityContext.capabilities.add)")]
    // seccompProfile_restricted from v1.19; before, restricted has baseline's annotation check
    [InlineData("v1.18", "securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true }", "", "")]
    [InlineData("v1.19", "securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true }", "",
        "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")")]
    // allowPrivilegeEscalation from v1.8
    [InlineData("v1.7", "securityContext: { runAsNonRoot: true }", "", "")]
    [InlineData("v1.8", "securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: true }", "", "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false)")]
    // restrictedVolumes replaces hostPathVolumes
    [InlineData("latest", Restricted, "volumes: [{ name: n, nfs: { server: s, path: / } }, { name: h, hostPath: { path: / } }, { name: s, secret: { secretName: x } }, { name: p, persistentVolumeClaim: { claimName: x } }, { name: g, gitRepo: { repository: r } }]",
        "restricted volume types (volumes \"n\", \"h\", \"g\" use restricted volume types \"gitRepo\", \"hostPath\", \"nfs\")")]
    [InlineData("latest", Restricted, "volumes: [{ name: a, configMap: { name: x } }, { name: b, downwardAPI: {} }, { name: c, emptyDir: {} }, { name: d, projected: { sources: [] } }, { name: e, csi: { driver: x } }, { name: f, image: { reference: busybox } }, { name: g, ephemeral: {} }]", "")]
    // procMount_restricted from v1.35 keeps the mask even in a user namespace
    [InlineData("latest", "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault }, procMount: Unmasked }", "hostUsers: false",
        "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")")]
    // Windows pods skip what Windows cannot set, from v1.25
    [InlineData("latest", "", "os: { name: windows }", "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true)")]
    [InlineData("v1.24", "securityContext: { runAsNonRoot: true }", "os: { name: windows }",
        "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
        + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
        + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")")]
    // Restricted includes baseline, baseline's results first.
    [InlineData("latest", Restricted, "hostNetwork: true\nsecurityContext: { runAsUser: 0 }", "host namespaces (hostNetwork=true), runAsUser=0 (pod must not set runAsUser=0)")]
    public void Restricted_checks(string version, string container, string spec, string expected) =>
        Assert.Equal(expected, Violations("restricted", version, container, spec));

    [Theory]
    [InlineData("hostNetwork: true\nhostPID: true", "securityContext: { privileged: true, capabilities: { add: [ALL] } }")]
    [InlineData("volumes: [{ name: h, hostPath: { path: / } }]", "securityContext: { procMount: Unmasked, seLinuxOptions: { user: u } }")]
    public void Privileged_allows_everything(string spec, string container)
    {
        Assert.Empty(PodSecurityStandards.Check(Pod(container, spec), true, PodSecurityLevel.Privileged, PodSecurityVersion.Latest));
        Assert.NotEmpty(PodSecurityStandards.Check(Pod(container, spec), true, PodSecurityLevel.Baseline, PodSecurityVersion.Latest));
    }

    [Theory]
    [InlineData("baseline", "v1.0", "appArmorProfile capabilities_baseline hostNamespaces hostPathVolumes hostPorts privileged procMount seLinuxOptions seccompProfile_baseline sysctls windowsHostProcess")]
    [InlineData("baseline", "latest", "appArmorProfile capabilities_baseline hostNamespaces hostPathVolumes hostPorts hostProbesAndHostLifecycle privileged procMount seLinuxOptions seccompProfile_baseline sysctls windowsHostProcess")]
    [InlineData("restricted", "v1.0", "appArmorProfile capabilities_baseline hostNamespaces hostPorts privileged procMount seLinuxOptions seccompProfile_baseline sysctls windowsHostProcess restrictedVolumes runAsNonRoot")]
    [InlineData("restricted", "v1.22", "appArmorProfile hostNamespaces hostPorts privileged procMount seLinuxOptions sysctls windowsHostProcess allowPrivilegeEscalation capabilities_restricted restrictedVolumes runAsNonRoot seccompProfile_restricted")]
    [InlineData("restricted", "latest", "appArmorProfile hostNamespaces hostPorts hostProbesAndHostLifecycle privileged seLinuxOptions sysctls windowsHostProcess allowPrivilegeEscalation capabilities_restricted procMount_restricted restrictedVolumes runAsNonRoot runAsUser seccompProfile_restricted")]
    [InlineData("restricted", "v1.99", "appArmorProfile hostNamespaces hostPorts hostProbesAndHostLifecycle privileged seLinuxOptions sysctls windowsHostProcess allowPrivilegeEscalation capabilities_restricted procMount_restricted restrictedVolumes runAsNonRoot runAsUser seccompProfile_restricted")]
    [InlineData("privileged", "latest", "")]
    public void Each_level_and_version_runs_psas_checks_in_psas_order(string level, string version, string ids) =>
        Assert.Equal(ids, string.Join(" ", PodSecurityStandards.CheckIds(PodSecurityLevels.Parse(level)!.Value, PodSecurityVersion.Parse(version)!.Value)));

    [Fact]
    public void Violations_carry_their_check_id_and_field_paths()
    {
        var pod = Pod(
            "securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] }, runAsNonRoot: true }\nports: [{ containerPort: 80, hostPort: 80 }]",
            "volumes: [{ name: h, hostPath: { path: / } }]\nsecurityContext: { seccompProfile: { type: RuntimeDefault }, sysctls: [{ name: kernel.msgmax, value: \"1\" }] }");
        var violations = PodSecurityStandards.Check(pod, true, PodSecurityLevel.Restricted, PodSecurityVersion.Latest);

        Assert.Equal(
            [
                ("hostNamespaces", "spec.hostCgroupNamespace"),
                ("hostPorts", "spec.containers[0].ports[0].hostPort"),
                ("sysctls", "spec.securityContext.sysctls[0].name"),
                ("restrictedVolumes", "spec.volumes[0].hostPath"),
            ],
            violations.Select(v => (v.CheckId, string.Join(" ", v.Paths))));
    }

    [Fact]
    public void Every_check_reports_under_its_own_id()
    {
        var pod = Pod(
            "securityContext: { privileged: true, procMount: Unmasked, runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: true, capabilities: { add: [SYS_ADMIN] }, seccompProfile: { type: Unconfined }, appArmorProfile: { type: Unconfined }, seLinuxOptions: { user: u }, windowsOptions: { hostProcess: true } }\n"
            + "ports: [{ containerPort: 1, hostPort: 1 }]\nstartupProbe: { tcpSocket: { port: 1, host: h } }",
            "hostIPC: true\nvolumes: [{ name: h, hostPath: { path: / } }]\nsecurityContext: { sysctls: [{ name: vm.swappiness, value: \"1\" }] }",
            "annotations: { seccomp.security.alpha.kubernetes.io/pod: unconfined }");

        foreach (var level in new[] { PodSecurityLevel.Baseline, PodSecurityLevel.Restricted })
        {
            foreach (var version in new[] { PodSecurityVersion.V1(0), PodSecurityVersion.V1(23), PodSecurityVersion.Latest })
            {
                Assert.Equal(PodSecurityStandards.CheckIds(level, version), PodSecurityStandards.Check(pod, true, level, version).Select(v => v.CheckId));
            }
        }
    }
}
