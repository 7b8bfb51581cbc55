using Berth.Linux;
using Berth.Linux.Cgroups;
using Xunit;

namespace Berth.Testing;

/// <summary>
/// What tests against the real host need. They fail rather than skip when it is missing: a
/// skipped test reads as green, and CI must not pass by running nothing.
/// </summary>
public static class Host
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Fail($"this test needs root (CI={Environment.GetEnvironmentVariable("CI") ?? "unset"}): run scripts/test as root");
        }
    }

    /// <summary>scripts/lib.sh installs the tools (BERTH_PACKAGES).</summary>
    public static string RequireTool(string path, string package)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"this test needs {path}: apt-get install {package} (scripts/test installs it)");
        }

        return path;
    }

    public static void RequireCgroupV1()
    {
        RequireRoot();
        if (!Directory.Exists(HostFacts.CgroupMount) || HostFacts.CgroupVersion() != 1)
        {
            Assert.Fail($"this test needs cgroup v1 controllers under {HostFacts.CgroupMount}");
        }
    }

    /// <summary>The cgroup2 mount of a hybrid host.</summary>
    public static string RequireUnified()
    {
        RequireCgroupV1();
        var unified = Path.Join(HostFacts.CgroupMount, CgroupHierarchy.UnifiedName);
        if (!File.Exists(Path.Join(unified, "cgroup.controllers")))
        {
            Assert.Fail($"this test needs the hybrid cgroup2 mount at {unified}");
        }

        return unified;
    }

    /// <summary>A top-level cgroup name no one else uses, so parallel runs never meet.</summary>
    public static string UniqueCgroup() => $"/berth-test-{Guid.NewGuid():N}"[..24];

    /// <summary>A host command's stdout; a non-zero exit fails the test with its stderr.</summary>
    public static async Task<string> RunAsync(string program, params string[] args)
    {
        var result = await CommandRunner.RunAsync(program, args, CancellationToken.None, timeout: TestTime.Seconds(60), check: false);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>lstat as stat(1) prints it, e.g. "%u:%g", "%i", "%F".</summary>
    public static async Task<string> StatAsync(string format, string path) => (await RunAsync("stat", "-c", format, path)).TrimEnd('\n');

    /// <summary>The checkout this test binary was built from.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Berth.slnx above {AppContext.BaseDirectory}");
    }
}
