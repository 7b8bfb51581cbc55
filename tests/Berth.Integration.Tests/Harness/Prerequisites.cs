namespace Berth.Integration.Tests.Harness;

/// <summary>These tests run real pods: they need root and the field's tools. Missing ones fail
/// the test (never skip it), so CI cannot pass without having run them.</summary>
public static class Prerequisites
{
    public static void Require()
    {
        Assert.True(Environment.IsPrivilegedProcess, "integration tests need root (sudo scripts/test)");
        foreach (var tool in new[] { "/usr/sbin/runc", "/usr/bin/conmon", "/usr/bin/catatonit", "/usr/bin/busybox" })
        {
            Assert.True(File.Exists(tool), $"{tool} is missing: scripts/test installs it with apt");
        }

        Assert.True(Directory.Exists("/sys/fs/cgroup/memory") || File.Exists("/sys/fs/cgroup/cgroup.controllers"), "no cgroup hierarchy at /sys/fs/cgroup");
    }
}
