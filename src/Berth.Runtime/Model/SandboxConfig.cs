using System.Text.Json.Serialization;
using Berth.Core.Planning;

namespace Berth.Runtime.Model;

/// <summary>
/// What a pod sandbox needs, in CRI's terms (runtime.v1 PodSandboxConfig): the standalone path
/// fills it from a manifest and its plan, the CRI path from the kubelet's request.
/// </summary>
public sealed record SandboxConfig
{
    public required string Name { get; init; }

    public required string Namespace { get; init; }

    public required string Uid { get; init; }

    public int Attempt { get; init; }

    /// <summary>Hostname inside the pod's UTS namespace; the pod name when unset.</summary>
    public string? Hostname { get; init; }

    /// <summary>Directory of the pod's container logs (/var/log/pods/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;).</summary>
    public required string LogDirectory { get; init; }

    /// <summary>The pod cgroup (cgroupfs path); the sandbox and containers get children of it.</summary>
    public required string CgroupParent { get; init; }

    public NamespaceMode Network { get; init; } = NamespaceMode.Pod;

    public NamespaceMode Ipc { get; init; } = NamespaceMode.Pod;

    /// <summary>POD: the infra process is PID 1 of a PID namespace the containers share.</summary>
    public NamespaceMode Pid { get; init; } = NamespaceMode.Container;

    public int OomScoreAdj { get; init; } = Core.Planning.OomScoreAdj.Infra;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Namespaced sysctls (net.*, kernel.shm*, ...) set in the pod's namespaces.</summary>
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();

    /// <summary>The pod's resolv.conf; null copies the node's.</summary>
    public SandboxDns? Dns { get; init; }

    /// <summary>Extra /etc/hosts lines (the pod's hostAliases).</summary>
    public IReadOnlyList<HostAlias> HostAliases { get; init; } = [];

    /// <summary>Whether any container of the pod may be privileged (CRI's sandbox security context).</summary>
    public bool Privileged { get; init; }

    /// <summary>The pod-level cgroup namespace mode (KEP-5714) when the request set one; containers
    /// that do not set their own follow it. Null: unset, the runtime's default applies.</summary>
    public NamespaceMode? Cgroup { get; init; }

    /// <summary>The pod's own user namespace; null: the host's (hostUsers, CRI NamespaceOption.userns_options).</summary>
    public UserNamespace? UserNamespace { get; init; }

    /// <summary>Host ports to forward to the pod (hostPort &gt; 0), through a CNI plugin with the
    /// portMappings capability.</summary>
    public IReadOnlyList<Network.PortMapping> PortMappings { get; init; } = [];

    /// <summary>The runtime handler the sandbox was asked for ("" = the default).</summary>
    public string RuntimeHandler { get; init; } = "";

    /// <summary>
    /// The runtime made <see cref="CgroupParent"/> for this sandbox alone (no cgroup parent was
    /// given): removing the sandbox removes it. The kubelet's pod cgroups are the kubelet's.
    /// </summary>
    public bool OwnsCgroupParent { get; init; }

    /// <summary>Which front door made the sandbox. Each sees only its own, as containerd's CRI
    /// namespace does: a kubelet must not mistake a standalone pod for an orphan of its own.</summary>
    public SandboxOrigin Origin { get; init; } = SandboxOrigin.Standalone;
}

[JsonConverter(typeof(JsonStringEnumConverter<SandboxOrigin>))]
public enum SandboxOrigin
{
    /// <summary>The standalone path: manifests, static pods, the CLI.</summary>
    Standalone,

    /// <summary>A CRI client: the kubelet, crictl, critest.</summary>
    Cri,
}

/// <summary>resolv.conf contents: nameservers, search domains and options ("ndots:5").</summary>
public sealed record SandboxDns(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options);

/// <summary>One /etc/hosts line: an address and its names.</summary>
public sealed record HostAlias(string Ip, IReadOnlyList<string> Hostnames);
