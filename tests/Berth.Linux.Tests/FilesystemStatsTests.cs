using System.Globalization;

namespace Berth.Linux.Tests;

public class FilesystemStatsTests
{
    [Fact]
    public async Task Of_agrees_with_stat_f_on_size_and_inode_count()
    {
        var dir = Path.GetTempPath();

        // %b total blocks, %S fundamental block size, %c total inodes: none moves while we look.
        var result = await CommandRunner.RunAsync("stat", ["-f", "-c", "%b %S %c", dir], CancellationToken.None);
        var fields = result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var stats = FilesystemStats.Of(dir);

        Assert.NotNull(stats);
        Assert.Equal(fields[0] * fields[1], stats.CapacityBytes);
        Assert.Equal(fields[2], stats.Inodes);
        Assert.InRange(stats.AvailableBytes, 1UL, stats.CapacityBytes);
        Assert.InRange(stats.InodesFree, 1UL, stats.Inodes);
    }

    [Fact]
    public void Of_a_missing_path_asks_its_nearest_existing_ancestor()
    {
        var missing = Path.Combine(Path.GetTempPath(), "berth-no-such-dir-" + Guid.NewGuid().ToString("N"), "deeper");

        var stats = FilesystemStats.Of(missing);

        Assert.NotNull(stats);
        Assert.Equal(FilesystemStats.Of(Path.GetTempPath())!.Inodes, stats.Inodes);
    }
}
