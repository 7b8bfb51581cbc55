using System.Diagnostics;
using Berth.Cri.V1;

namespace Berth.Bench;

/// <summary>The same CRI calls, in the same order, against any runtime.</summary>
public static class Workload
{
    public static readonly string[] Steps = ["RunPodSandbox", "CreateContainer", "StartContainer", "pod-start", "StopPodSandbox", "RemovePodSandbox"];

    public static async Task<Dictionary<string, List<double>>> CyclesAsync(CriEndpoint cri, string image, int cycles, string cgroupParent)
    {
        await cri.Images.PullImageAsync(new PullImageRequest { Image = new ImageSpec { Image = image } });
        var times = Steps.ToDictionary(s => s, _ => new List<double>());
        await CycleAsync(cri, image, cgroupParent, "warmup", null); // first run pays for caches on both sides
        for (var i = 0; i < cycles; i++)
        {
            await CycleAsync(cri, image, cgroupParent, $"cycle-{i}", times);
            Console.Write('.');
        }

        Console.WriteLine($" {cri.Name} done");
        return times;
    }

    private static async Task CycleAsync(CriEndpoint cri, string image, string cgroupParent, string name, Dictionary<string, List<double>>? times)
    {
        var clock = Stopwatch.StartNew();
        double Lap()
        {
            var ms = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            return ms;
        }

        var config = SandboxConfig(name, cgroupParent);
        var sandbox = await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config });
        var run = Lap();
        var created = await cri.Runtime.CreateContainerAsync(new CreateContainerRequest
        {
            PodSandboxId = sandbox.PodSandboxId,
            SandboxConfig = config,
            Config = new ContainerConfig
            {
                Metadata = new ContainerMetadata { Name = "sleeper" },
                Image = new ImageSpec { Image = image },
                Command = { "sleep", "3600" },
                LogPath = "sleeper/0.log",
                Linux = new LinuxContainerConfig { Resources = new LinuxContainerResources { CpuShares = 102, MemoryLimitInBytes = 64L << 20 } },
            },
        });
        var create = Lap();
        await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId });
        var start = Lap();
        await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.PodSandboxId });
        var stop = Lap();
        await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.PodSandboxId });
        var remove = Lap();
        if (times is not null)
        {
            times["RunPodSandbox"].Add(run);
            times["CreateContainer"].Add(create);
            times["StartContainer"].Add(start);
            times["pod-start"].Add(run + create + start);
            times["StopPodSandbox"].Add(stop);
            times["RemovePodSandbox"].Add(remove);
        }
    }

    /// <summary>RSS of the server idle, then with <paramref name="count"/> pods of one container each.</summary>
    public static async Task<(long Idle, long Loaded)> RssAsync(CriEndpoint cri, string image, int count, string cgroupParent)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = cri.RssKiB();
        var sandboxes = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var config = SandboxConfig($"rss-{i}", cgroupParent);
            var sandbox = await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config });
            sandboxes.Add(sandbox.PodSandboxId);
            var c = await cri.Runtime.CreateContainerAsync(new CreateContainerRequest
            {
                PodSandboxId = sandbox.PodSandboxId,
                SandboxConfig = config,
                Config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "sleeper" }, Image = new ImageSpec { Image = image }, Command = { "sleep", "3600" }, LogPath = "sleeper/0.log" },
            });
            await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = c.ContainerId });
        }

        await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest());
        await cri.Runtime.ListContainersAsync(new ListContainersRequest());
        await Task.Delay(TimeSpan.FromSeconds(2));
        var loaded = cri.RssKiB();
        foreach (var id in sandboxes)
        {
            await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = id });
            await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = id });
        }

        return (idle, loaded);
    }

    /// <summary>Host network: the bench measures the runtimes, not a CNI plugin.</summary>
    private static PodSandboxConfig SandboxConfig(string name, string cgroupParent)
    {
        var uid = Guid.NewGuid().ToString();
        return new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = "bench", Uid = uid, Attempt = 0 },
            LogDirectory = Path.Combine(Path.GetTempPath(), "berth-bench-logs", $"bench_{name}_{uid}"),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = $"{cgroupParent}/pod{uid}",
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
                },
            },
        };
    }

    /// <summary>Removes the bench's cgroup subtrees (rmdir, deepest first) on every hierarchy.</summary>
    public static void RemoveCgroups(IEnumerable<string> roots)
    {
        foreach (var root in roots)
        {
            foreach (var hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
            {
                var top = Path.Combine(hierarchy, root.TrimStart('/'));
                if (!Directory.Exists(top))
                {
                    continue;
                }

                foreach (var dir in Directory.EnumerateDirectories(top, "*", SearchOption.AllDirectories).Append(top).OrderByDescending(d => d.Length))
                {
                    try
                    {
                        Directory.Delete(dir);
                    }
                    catch (IOException)
                    {
                        // still busy: reported by the next run's leftovers, never forced
                    }
                }
            }
        }
    }
}
