using System.CommandLine;
using Berth.Cli.Commands;
using Berth.Core.Capacity;
using Berth.Core.Manifests;
using Berth.Node.Configuration;

namespace Berth.Cli.Tests;

/// <summary>The node protection fields of KubeletConfiguration and the serve flags over them.</summary>
public sealed class NodeConfigTests : IDisposable
{
    private const string Head = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
    private readonly string dir = Directory.CreateTempSubdirectory("berth-nodeconfig-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Reads_every_node_protection_field()
    {
        var file = KubeletConfigFile.Parse(Head + """
            cgroupDriver: cgroupfs
            cgroupRoot: /berth
            cgroupsPerQOS: true
            enforceNodeAllocatable: [pods, system-reserved]
            systemReserved: { cpu: 500m, memory: 1Gi, pid: "1000" }
            kubeReserved: { memory: 256Mi, ephemeral-storage: 1Gi }
            systemReservedCgroup: /system.slice
            kubeReservedCgroup: /berth.slice
            evictionHard: { memory.available: 200Mi, nodefs.available: 5% }
            evictionSoft: { memory.available: 500Mi }
            evictionSoftGracePeriod: { memory.available: 1m30s }
            evictionPressureTransitionPeriod: 30s
            podPidsLimit: 1024
            maxPods: 20
            staticPodPath: /etc/berth/manifests
            imageGCHighThresholdPercent: 90
            imageGCLowThresholdPercent: 70
            """, "k.yaml");
        Assert.Empty(file.Warnings);
        Assert.Equal(("cgroupfs", "/berth", true), (file.CgroupDriver, file.CgroupRoot, file.CgroupsPerQos));
        Assert.Equal(AllocatableEnforcement.Pods | AllocatableEnforcement.SystemReserved, file.EnforceNodeAllocatable);
        Assert.Equal(new NodeResources(MilliCpu: 500, Memory: 1L << 30, Pids: 1000), file.SystemReserved);
        Assert.Equal(new NodeResources(Memory: 256L << 20, EphemeralStorage: 1L << 30), file.KubeReserved);
        Assert.Equal(("/system.slice", "/berth.slice"), (file.SystemReservedCgroup, file.KubeReservedCgroup));
        Assert.Equal([new EvictionThreshold("memory.available", 200L << 20, null), new EvictionThreshold("nodefs.available", null, 0.05)], file.EvictionHard);
        Assert.Equal(TimeSpan.FromSeconds(90), file.EvictionSoftGracePeriod!["memory.available"]);
        Assert.Equal(TimeSpan.FromSeconds(30), file.EvictionPressureTransitionPeriod);
        Assert.Equal((1024L, 20, "/etc/berth/manifests", 90, 70), (file.PodPidsLimit!.Value, file.MaxPods!.Value, file.StaticPodPath, file.ImageGcHighThresholdPercent!.Value, file.ImageGcLowThresholdPercent!.Value));
    }

    [Theory]
    [InlineData("cgroupDriver: systemd\n", "cgroupDriver", "Unsupported value: \"systemd\": supported values: \"cgroupfs\" (Berth does not drive cgroups through systemd yet; use cgroupfs)")]
    [InlineData("cgroupsPerQOS: false\n", "cgroupsPerQOS", "Unsupported value: false: supported values: true (Berth always keeps pods in the kubelet's QoS cgroups)")]
    [InlineData("enforceNodeAllocatable: [pods, none]\n", "enforceNodeAllocatable[1]", "Invalid value: \"none\": \"none\" cannot be combined with other values")]
    [InlineData("enforceNodeAllocatable: [pod]\n", "enforceNodeAllocatable[0]", "Unsupported value: \"pod\": supported values: \"pods\", \"system-reserved\", \"kube-reserved\", \"none\"")]
    [InlineData("systemReserved: { memory: 1Gb }\n", "systemReserved.memory", "Invalid value: \"1Gb\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    [InlineData("evictionHard: { memory.free: 1Gi }\n", "evictionHard.memory.free", "Unsupported value: \"memory.free\": supported values: \"memory.available\", \"allocatableMemory.available\", \"nodefs.available\", \"nodefs.inodesFree\", \"imagefs.available\", \"imagefs.inodesFree\", \"containerfs.available\", \"containerfs.inodesFree\", \"pid.available\"")]
    [InlineData("evictionPressureTransitionPeriod: soon\n", "evictionPressureTransitionPeriod", "Invalid value: \"soon\": must be a duration such as 30s or 5m0s")]
    [InlineData("maxPods: -3\n", "maxPods", "Invalid value: \"-3\": must be an integer from 0 to 2147483647")]
    [InlineData("podPidsLimit: 0\n", "podPidsLimit", "Invalid value: \"0\": must be -1 (unlimited) or positive")]
    [InlineData("imageGCHighThresholdPercent: 101\n", "imageGCHighThresholdPercent", "Invalid value: \"101\": must be an integer from 0 to 100")]
    [InlineData("systemReservedCgroup: system.slice\n", "systemReservedCgroup", "Invalid value: \"system.slice\": must be an absolute cgroup path such as /system.slice")]
    public void Bad_values_name_their_field(string body, string path, string message)
    {
        var e = Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse(Head + body, "k.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("k.yaml", path, message), (error.Source, error.Path, error.Message));
    }

    [Fact]
    public void Flags_override_the_file_and_unset_fields_keep_the_kubelets_defaults()
    {
        var config = Write(Head + "maxPods: 20\nsystemReserved: { cpu: 500m }\nevictionHard: { memory.available: 1Gi }\n");
        var (fromFile, _) = Resolve(config);
        Assert.Equal(20, fromFile.MaxPods);
        Assert.Equal(500, fromFile.SystemReserved.MilliCpu);
        Assert.Equal([new EvictionThreshold("memory.available", 1L << 30, null)], fromFile.EvictionHard); // a file's evictionHard replaces the defaults
        Assert.Equal(AllocatableEnforcement.Pods, fromFile.Enforce);

        var (flagged, _) = Resolve(config, "--max-pods", "5", "--system-reserved", "cpu=1,memory=2Gi", "--node-labels", "disk=ssd,tier=web",
            "--register-with-taints", "dedicated=infra:NoSchedule", "--enforce-node-allocatable", "none", "--hostname-override", "Node-A");
        Assert.Equal(5, flagged.MaxPods);
        Assert.Equal(new NodeResources(MilliCpu: 1000, Memory: 2L << 30), flagged.SystemReserved);
        Assert.Equal("ssd", flagged.NodeLabels["disk"]);
        Assert.Equal(("dedicated", "infra", "NoSchedule"), (flagged.Taints[0].Key, flagged.Taints[0].Value, flagged.Taints[0].Effect));
        Assert.Equal(AllocatableEnforcement.None, flagged.Enforce);
        Assert.Equal("node-a", flagged.EffectiveNodeName);
    }

    [Fact]
    public void Merge_default_eviction_settings_keeps_the_other_defaults()
    {
        var (node, _) = Resolve(Write(Head + "mergeDefaultEvictionSettings: true\nevictionHard: { memory.available: 1Gi }\n"));
        Assert.Equal(1L << 30, node.EvictionHard.Single(t => t.Signal == "memory.available").Amount);
        Assert.Equal(0.10, node.EvictionHard.Single(t => t.Signal == "nodefs.available").Fraction);
    }

    [Theory]
    [InlineData("enforceNodeAllocatable: [pods, system-reserved]\n", "systemReservedCgroup", "Required value: must be set (--system-reserved-cgroup) when enforceNodeAllocatable has \"system-reserved\"")]
    [InlineData("evictionSoft: { memory.available: 1Gi }\n", "evictionSoftGracePeriod.memory.available", "Required value: the soft threshold of memory.available needs a grace period")]
    public void Fields_are_checked_together(string body, string path, string message)
    {
        var config = Write(Head + body);
        var e = Assert.Throws<ValidationException>(() => Resolve(config));
        var error = Assert.Single(e.Errors);
        Assert.Equal((config, path, message), (error.Source, error.Path, error.Message));
    }

    [Theory]
    [InlineData("--system-reserved", "cpu")]
    [InlineData("--node-labels", "-x-=1")]
    [InlineData("--register-with-taints", "a=b:Later")]
    [InlineData("--eviction-hard", "memory.available<lots")]
    [InlineData("--cgroup-driver", "systemd")]
    public void Bad_flags_name_the_flag(string flag, string value)
    {
        var e = Assert.Throws<ValidationException>(() => Resolve(null, flag, value));
        Assert.All(e.Errors, x => Assert.Equal("berth serve", x.Source));
        Assert.Contains(e.Errors, x => x.Path.StartsWith(flag, StringComparison.Ordinal));
    }

    [Fact]
    public void Eviction_minimum_reclaim_and_max_pod_grace_period_come_from_the_file_and_flags_win()
    {
        var config = Write(Head + "evictionMinimumReclaim: { memory.available: 500Mi, nodefs.available: 5% }\nevictionMaxPodGracePeriod: 60\n");
        var (fromFile, _) = Resolve(config);
        Assert.Equal(new EvictionThreshold("memory.available", 500L << 20, null), fromFile.EvictionMinimumReclaim["memory.available"]);
        Assert.Equal(0.05, fromFile.EvictionMinimumReclaim["nodefs.available"].Fraction);
        Assert.Equal(60, fromFile.EvictionMaxPodGracePeriod);

        var (flagged, _) = Resolve(config, "--eviction-minimum-reclaim", "pid.available=100", "--eviction-max-pod-grace-period", "-1");
        Assert.Equal(["pid.available"], flagged.EvictionMinimumReclaim.Keys);
        Assert.Equal(100, flagged.EvictionMinimumReclaim["pid.available"].Amount);
        Assert.Equal(-1, flagged.EvictionMaxPodGracePeriod);

        var (defaults, _) = Resolve(null);
        Assert.Empty(defaults.EvictionMinimumReclaim);
        Assert.Equal(0, defaults.EvictionMaxPodGracePeriod);
    }

    [Theory]
    [InlineData("evictionMinimumReclaim: { memory.free: 1Gi }\n", "evictionMinimumReclaim.memory.free")]
    [InlineData("evictionMinimumReclaim: { memory.available: 0% }\n", "evictionMinimumReclaim.memory.available", "Invalid value: \"0%\": a percentage minimum reclaim must be positive")]
    [InlineData("evictionMinimumReclaim: { nodefs.available: -1Gi }\n", "evictionMinimumReclaim.nodefs.available", "Invalid value: \"-1Gi\": must be greater than or equal to 0")]
    [InlineData("evictionMaxPodGracePeriod: soon\n", "evictionMaxPodGracePeriod", "Invalid value: \"soon\": must be an integer from -2147483648 to 2147483647")]
    [InlineData("evictionMaxPodGracePeriod: 2147483648\n", "evictionMaxPodGracePeriod")]
    public void Bad_eviction_reclaim_and_grace_values_name_their_field(string body, string path, string? message = null)
    {
        var e = Assert.Throws<ValidationException>(() => KubeletConfigFile.Parse(Head + body, "k.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("k.yaml", path), (error.Source, error.Path));
        if (message is not null)
        {
            Assert.Equal(message, error.Message);
        }
    }

    [Theory]
    [InlineData("--eviction-minimum-reclaim", "memory.available<1Gi")]
    [InlineData("--eviction-minimum-reclaim", "memory.available=0%")]
    [InlineData("--eviction-max-pod-grace-period", "30s")]
    public void Bad_eviction_flags_name_the_flag(string flag, string value)
    {
        var e = Assert.Throws<ValidationException>(() => Resolve(null, flag, value));
        var error = Assert.Single(e.Errors);
        Assert.Equal("berth serve", error.Source);
        Assert.StartsWith(flag, error.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_show_lists_the_eviction_settings_and_reads_back()
    {
        var (node, _) = Resolve(null, "--eviction-minimum-reclaim", "memory.available=500Mi,nodefs.available=5%", "--eviction-max-pod-grace-period", "45");
        var yaml = KubeletConfigView.Yaml(new Node.AgentOptions { Runtime = new Runtime.RuntimeOptions { Node = node } });

        Assert.Contains("evictionMaxPodGracePeriod: 45", yaml, StringComparison.Ordinal);
        var back = KubeletConfigFile.Parse(yaml, "shown.yaml");
        Assert.Equal(node.EvictionMinimumReclaim["memory.available"].Amount, back.EvictionMinimumReclaim!["memory.available"].Amount);
        Assert.Equal(0.05, back.EvictionMinimumReclaim["nodefs.available"].Fraction);
        Assert.Equal(45, back.EvictionMaxPodGracePeriod);
    }

    [Fact]
    public void Pod_security_config_gives_the_default_levels_and_exemptions()
    {
        var file = Write("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: { enforce: baseline, warn: restricted }\nexemptions: { namespaces: [kube-system] }\n");
        var (node, _) = Resolve(null, "--pod-security-config", file);
        Assert.Equal("baseline:latest", node.PodSecurity.Defaults.Enforce.ToString());
        Assert.Equal("restricted:latest", node.PodSecurity.Defaults.Warn.ToString());
        Assert.Equal(["kube-system"], node.PodSecurity.ExemptNamespaces);
        Assert.True(Resolve(null).Node.PodSecurity.Defaults.FullyPrivileged);
    }

    [Fact]
    public void A_bad_pod_security_config_names_its_file_and_field()
    {
        var file = Write("apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: { enforce: strict }\n");
        var e = Assert.Throws<ValidationException>(() => Resolve(null, "--pod-security-config", file));
        var error = Assert.Single(e.Errors);
        Assert.Equal((file, "defaults.enforce"), (error.Source, error.Path));
        var missing = Assert.Throws<ValidationException>(() => Resolve(null, "--pod-security-config", Path.Combine(dir, "none.yaml")));
        Assert.StartsWith("cannot read file", Assert.Single(missing.Errors).Message, StringComparison.Ordinal);
    }

    private string Write(string text)
    {
        var path = Path.Combine(dir, $"kubelet-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static (Runtime.NodeProtectionOptions Node, KubeletConfigFile? File) Resolve(string? config, params string[] args)
    {
        var flags = new NodeConfigFlags();
        var command = new Command("serve");
        foreach (var option in flags.Options)
        {
            command.Options.Add(option);
        }

        return flags.Resolve(command.Parse(args), config);
    }
}
