using Berth.Core.Planning;
using Berth.Runtime.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Tests.Fakes;

/// <summary>
/// A <see cref="PodRuntime"/> over fakes of every kernel seam, its state in a directory of its
/// own. <see cref="RestartAgent"/> builds a new runtime on the same state, as an agent restart does.
/// </summary>
public sealed class FakeNode : IDisposable
{
    public const string Busybox = "example.test/busybox:1";

    /// <param name="configure">Changes to the agent's options (flags) before the runtime starts.</param>
    public FakeNode(int cgroupVersion = 2, Func<RuntimeOptions, RuntimeOptions>? configure = null)
    {
        Dir = Directory.CreateTempSubdirectory("berth-runtime-test-").FullName;
        Kernel = new FakeKernel();
        Oci = new FakeOci(Kernel);
        Cgroups = new FakeCgroups(Oci, cgroupVersion);
        Mounts = new FakeMounts();
        Images = new FakeImages(Path.Combine(Dir, "images"));
        Images.Add(Busybox, new Images.ImageConfig(["/bin/sh"], ["-c", "sleep 1000"], ["PATH=/usr/bin:/bin", "IMAGE_ONLY=1"], "/work", "", []) { StopSignal = "SIGQUIT" });
        Options = new RuntimeOptions
        {
            Root = Path.Combine(Dir, "lib"),
            RunRoot = Path.Combine(Dir, "run"),
            LogRoot = Path.Combine(Dir, "log"),
            CniConfDir = Path.Combine(Dir, "cni"),
            UsernsRange = "65536:7208960", // 110 pods of 65536 IDs
        };
        Options = configure?.Invoke(Options) ?? Options;
        Runtime = NewRuntime();
    }

    public string Dir { get; }

    public FakeKernel Kernel { get; }

    public FakeOci Oci { get; }

    public FakeCgroups Cgroups { get; }

    public FakeMounts Mounts { get; }

    public FakeImages Images { get; }

    public RuntimeOptions Options { get; }

    public PodRuntime Runtime { get; private set; }

    /// <summary>The agent stops and starts again: a new runtime reads the records on disk.</summary>
    public PodRuntime RestartAgent() => Runtime = NewRuntime();

    public static SandboxConfig Sandbox(string name = "web", NamespaceMode network = NamespaceMode.Pod) => new()
    {
        Name = name,
        Namespace = "default",
        Uid = "uid-" + name,
        LogDirectory = "",
        CgroupParent = "/kubepods/pod-uid-" + name,
        Network = network,
        Hostname = name + "-host",
    };

    public static ContainerConfig Container(string name = "app", string image = Busybox) => new()
    {
        Name = name,
        Image = image,
        LogPath = "",
    };

    /// <summary>A ready sandbox with one running container.</summary>
    public async Task<(SandboxRecord Sandbox, ContainerRecord Container)> RunningAsync(ContainerConfig? config = null)
    {
        var sandbox = await Runtime.RunPodSandboxAsync(Sandbox(), CancellationToken.None);
        var created = await Runtime.CreateContainerAsync(sandbox.Id, config ?? Container(), CancellationToken.None);
        return (sandbox, await Runtime.StartContainerAsync(created.Id, CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private PodRuntime NewRuntime() =>
        new(Options, new RuntimeSeams(Oci, Oci, Cgroups, Images, Mounts, Kernel, 20000, ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN", "CAP_NET_RAW"]), NullLogger<PodRuntime>.Instance);
}
