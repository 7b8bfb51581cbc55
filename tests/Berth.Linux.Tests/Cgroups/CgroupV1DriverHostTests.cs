using System.Globalization;
using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests.Cgroups;

/// <summary>The v1 driver on this host's real hierarchies, under a top-level cgroup that only
/// this test uses and always removes.</summary>
public sealed class CgroupV1DriverHostTests : IDisposable
{
    private readonly Children children = new();
    private readonly string top = Host.UniqueCgroup();
    private CgroupV1Driver? driver;

    [Fact]
    public void Create_apply_attach_and_remove_on_the_real_hierarchies()
    {
        Host.RequireCgroupV1();
        driver = new CgroupV1Driver();
        var pod = top + "/kubepods/burstable/pod" + Guid.NewGuid().ToString("N")[..8];

        driver.Create(pod);

        var directories = driver.Directories(pod);
        Assert.Equal(driver.Hierarchies.Count, directories.Count);
        Assert.All(directories, d => Assert.True(Directory.Exists(d), d));
        Assert.Contains(driver.Hierarchies, h => h.Has("name=systemd"));
        Assert.True(driver.Exists(pod));

        driver.Apply(pod, new CgroupValues(CpuShares: 512, CpuQuota: 50000, CpuPeriod: 100000, MemoryLimit: 256L << 20, PidsLimit: 100));

        Assert.Equal("512", Control(pod, "cpu", "cpu.shares"));
        Assert.Equal("100000", Control(pod, "cpu", "cpu.cfs_period_us"));
        Assert.Equal("50000", Control(pod, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal((256L << 20).ToString(CultureInfo.InvariantCulture), Control(pod, "memory", "memory.limit_in_bytes"));
        Assert.Equal("100", Control(pod, "pids", "pids.max"));
        Assert.Equal(new CgroupValues(512, 50000, 100000, 256L << 20, 100), driver.Read(pod));

        driver.Apply(pod, new CgroupValues(CpuShares: 1024));

        Assert.Equal("-1", Control(pod, "cpu", "cpu.cfs_quota_us"));
        Assert.True(long.Parse(Control(pod, "memory", "memory.limit_in_bytes"), CultureInfo.InvariantCulture) > 1L << 62);
        Assert.Equal("max", Control(pod, "pids", "pids.max"));
        Assert.Equal(new CgroupValues(CpuShares: 1024, CpuPeriod: 100000), driver.Read(pod));

        // A new cpuset cgroup accepts tasks only because Create copied cpus and mems.
        var sleeper = children.Start("sleep", "30");
        foreach (var directory in directories)
        {
            File.WriteAllText(Path.Join(directory, "cgroup.procs"), sleeper.Id.ToString(CultureInfo.InvariantCulture));
        }

        Assert.Contains(sleeper.Id, driver.Processes(pod));
        Assert.Contains(sleeper.Id, driver.Processes(top));
        Assert.Contains($":memory:{pod}", File.ReadAllText($"/proc/{sleeper.Id}/cgroup"), StringComparison.Ordinal);

        var busy = Assert.Throws<CgroupException>(() => driver.Remove(top));
        Assert.Contains(driver.Directories(pod).First(d => d.Contains("/memory/", StringComparison.Ordinal)), busy.Message, StringComparison.Ordinal);
        Assert.True(driver.Exists(pod));

        Children.Stop(sleeper);
        Assert.Empty(driver.Processes(top));
        driver.Remove(top);

        Assert.All(driver.Directories(top), d => Assert.False(Directory.Exists(d), d));
        Assert.False(driver.Exists(pod));
    }

    [Fact]
    public async Task Cpu_pressure_of_a_busy_cgroup_rises_in_the_hybrid_unified_mount()
    {
        Host.RequireUnified();
        driver = new CgroupV1Driver();
        var pod = top + "/pod" + Guid.NewGuid().ToString("N")[..8];
        driver.Create(pod);
        var before = driver.Pressure(pod);
        Assert.NotNull(before?.Cpu);

        // One more runnable loop than there are cpus: some of them always wait.
        var unified = driver.Directories(pod).Single(d => d.Contains("/unified/", StringComparison.Ordinal));
        var loops = new List<System.Diagnostics.Process>();
        for (var i = 0; i <= Environment.ProcessorCount; i++)
        {
            var loop = children.Start("sh", "-c", "while :; do :; done");
            loops.Add(loop);
            File.WriteAllText(Path.Join(unified, "cgroup.procs"), loop.Id.ToString(CultureInfo.InvariantCulture));
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var after = driver.Pressure(pod);

        Assert.True(after!.Cpu!.Some.TotalMicroseconds > before!.Cpu!.Some.TotalMicroseconds + 100_000,
            $"cpu some total went from {before.Cpu.Some.TotalMicroseconds} to {after.Cpu.Some.TotalMicroseconds} µs");
        loops.ForEach(Children.Stop);
    }

    public void Dispose()
    {
        children.Dispose();
        driver?.Remove(top);
    }

    private string Control(string path, string controller, string file) =>
        driver!.ReadFile(path, controller, file) ?? throw new FileNotFoundException($"{controller}/{file} missing for {path}");
}
