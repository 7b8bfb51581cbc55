using Berth.Linux.Cgroups;

namespace Berth.Linux.Tests;

/// <summary>
/// What tests against the real kernel need. They fail rather than skip when it is missing: a
/// skipped test reads as green, and these are the tests that show the syscalls really work.
/// </summary>
internal static class Host
{
    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Fail($"this test needs root (CI={Environment.GetEnvironmentVariable("CI") ?? "unset"}); run the Berth.Linux tests as root");
        }
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
}
