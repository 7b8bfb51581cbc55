using Berth.Oci;

namespace Berth.Runtime;

/// <summary>
/// Where every file of a sandbox or container lives, built from the runtime's two roots in one
/// place. Volatile things (bundles, monitor files, sockets, pins) are under the run root; what
/// must survive a reboot (records, a container's writable layer, the pod's /etc files) under the
/// root.
/// </summary>
public sealed class BundleLayout(RuntimeOptions options)
{
    public RuntimeOptions Options => options;

    public string BundlesDir => options.BundlesDir;

    public string SandboxesDir => options.SandboxesDir;

    public string ContainersDir => options.ContainersDir;

    public string NetnsDir => options.NetnsDir;

    /// <summary>The OCI bundle of a sandbox's infra or of a container.</summary>
    public string Bundle(string id) => Path.Combine(options.BundlesDir, id);

    public string Rootfs(string id) => Path.Combine(Bundle(id), "rootfs");

    public string SpecFile(string id) => Path.Combine(Bundle(id), "config.json");

    /// <summary>The sandbox's files shared by its containers (hostname, hosts, resolv.conf).</summary>
    public string SandboxFiles(string sandboxId) => Path.Combine(options.SandboxesDir, sandboxId);

    /// <summary>A container's copy-on-write layer: upper and work directories, and its log when
    /// the request named none.</summary>
    public string Layer(string containerId) => Path.Combine(options.ContainersDir, containerId);

    public string LayerUpper(string containerId) => Path.Combine(Layer(containerId), "upper");

    public string LayerWork(string containerId) => Path.Combine(Layer(containerId), "work");

    /// <summary>The bind mount that pins a sandbox's network namespace.</summary>
    public string NetnsPin(string sandboxId) => Path.Combine(options.NetnsDir, sandboxId);

    /// <summary>The exit file conmon writes for a sandbox's infra or a container.</summary>
    public string ExitFile(string id) => Path.Combine(options.ExitDir, id);

    /// <summary>conmon's link to the bundle, below which its attach socket is.</summary>
    public string AttachLink(string id) => Path.Combine(options.SocketsDir, id);

    public string AttachSocket(string containerId) => Path.Combine(AttachLink(containerId), "attach");

    public MonitorPaths Monitor(string id, string logFile) =>
        new(Path.Combine(Bundle(id), "monitor"), options.ExitDir, logFile, options.SocketsDir);

    public MonitorPaths InfraMonitor(string sandboxId) => Monitor(sandboxId, Path.Combine(Bundle(sandboxId), "monitor", "infra.log"));
}
