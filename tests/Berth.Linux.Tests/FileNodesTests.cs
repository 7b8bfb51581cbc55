namespace Berth.Linux.Tests;

public class FileNodesTests
{
    [Fact]
    public void Stat_follows_a_symlink_and_LStat_does_not()
    {
        using var dir = new TempDirectory();
        var target = dir.Combine("file");
        File.WriteAllText(target, "twelve bytes");
        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, target);

        var followed = FileNodes.Stat(link);
        Assert.Equal(UnixFileType.Regular, followed.Type);
        Assert.Equal(12UL, followed.Size);
        Assert.Equal(UnixFileType.Symlink, FileNodes.LStat(link).Type);
        Assert.Equal(UnixFileType.CharacterDevice, FileNodes.Stat("/dev/null").Type);
        Assert.Equal((1u, 3u), (FileNodes.Stat("/dev/null").RdevMajor, FileNodes.Stat("/dev/null").RdevMinor));
    }

    [Fact]
    public void A_missing_path_is_Missing_to_LStat_and_FileNotFound_to_Stat()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("file");
        File.WriteAllText(file, "");

        Assert.Same(FileNode.Missing, FileNodes.LStat(dir.Combine("absent")));
        Assert.Same(FileNode.Missing, FileNodes.LStat(Path.Combine(file, "below-a-file"))); // ENOTDIR
        Assert.Throws<FileNotFoundException>(() => FileNodes.Stat(dir.Combine("absent")));
    }

    [Fact]
    public void Link_shares_the_inode_and_SetTimes_sets_a_symlinks_own_time()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("file");
        File.WriteAllText(file, "x");
        FileNodes.Link(file, dir.Combine("hard"));
        Assert.Equal(FileNodes.LStat(file).Inode, FileNodes.LStat(dir.Combine("hard")).Inode);
        Assert.Equal(2u, FileNodes.LStat(file).Links);

        var link = dir.Combine("link");
        File.CreateSymbolicLink(link, file);
        var time = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1234567);
        FileNodes.SetTimes(link, time, time);
        Assert.Equal(time.UtcDateTime, new FileInfo(link).LastWriteTimeUtc);
        Assert.NotEqual(time.UtcDateTime, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public void Trusted_xattrs_round_trip_and_an_unset_one_is_null()
    {
        Host.RequireRoot(); // trusted.* needs CAP_SYS_ADMIN
        using var dir = new TempDirectory();
        var sub = dir.CreateDirectory("opaque");

        Assert.Null(FileNodes.LGetXattr(sub, FileNodes.OverlayOpaque));
        Assert.True(FileNodes.LSetXattr(sub, FileNodes.OverlayOpaque, "y"u8.ToArray()));
        Assert.Equal("y"u8.ToArray(), FileNodes.LGetXattr(sub, FileNodes.OverlayOpaque));
    }
}
