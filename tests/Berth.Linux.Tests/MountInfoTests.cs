namespace Berth.Linux.Tests;

public class MountInfoTests
{
    [Fact]
    public void Parses_optional_fields_and_unescapes_paths()
    {
        var entries = MountInfo.Parse("""
            36 35 98:0 /mnt1 /mnt/with\040space\011tab rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            50 36 0:40 / /back\134slash rw - tmpfs tmpfs rw

            """);

        Assert.Equal(3, entries.Count);
        Assert.Equal(new MountEntry(36, 35, "/mnt1", "/mnt/with space\ttab", "rw,noatime", "ext3", "/dev/root", "rw,errors=continue"), entries[0]);
        Assert.Equal("cgroup2", entries[1].FileSystemType);
        Assert.Equal("/back\\slash", entries[2].MountPoint);
    }

    [Theory]
    [InlineData(@"plain", "plain")]
    [InlineData(@"a\040b", "a b")]
    [InlineData(@"a\012b", "a\nb")]
    [InlineData(@"end\04", @"end\04")]
    [InlineData(@"not\999octal", @"not\999octal")]
    public void Unescapes_only_three_digit_octal_escapes(string field, string path) =>
        Assert.Equal(path, MountInfo.Unescape(field));

    [Fact]
    public void Rejects_a_truncated_line() =>
        Assert.Throws<InvalidDataException>(() => MountInfo.Parse("36 35 98:0 / /mnt rw"));

    [Fact]
    public void Reads_this_process_table() =>
        Assert.Contains(MountInfo.Read(), m => m.MountPoint == "/proc" && m.FileSystemType == "proc");
}
