namespace Berth.Linux.Tests;

public class NamespaceInodesTests
{
    [Fact]
    public void Reads_every_namespace_of_this_process()
    {
        var inodes = NamespaceInodes.Read(Environment.ProcessId);

        Assert.All(new[] { "net", "pid", "pid_for_children", "mnt", "ipc", "uts", "user", "cgroup" }, type => Assert.True(inodes[type] > 0, type));
        Assert.Equal(inodes["pid"], inodes["pid_for_children"]);
        Assert.Equal(inodes["net"], NamespaceInodes.Of(Environment.ProcessId, "net"));
    }

    [Fact]
    public async Task A_child_in_a_new_network_namespace_has_a_different_net_inode()
    {
        Host.RequireRoot();
        using var children = new Children();
        var child = children.Start("unshare", "--net", "sleep", "5");

        // unshare execs sleep after entering the namespace; before that it still has ours.
        await Children.WaitUntilAsync(() => File.ReadAllText($"/proc/{child.Id}/comm").Trim() == "sleep", "unshare has exec'd sleep");

        var mine = NamespaceInodes.Read(Environment.ProcessId);
        var its = NamespaceInodes.Read(child.Id);
        Assert.NotEqual(mine["net"], its["net"]);
        Assert.Equal(mine["pid"], its["pid"]);
        Assert.Equal(mine["mnt"], its["mnt"]);
    }

    [Theory]
    [InlineData("net", "net:[4026531992]", 4026531992UL)]
    [InlineData("pid_for_children", "pid:[4026531836]", 4026531836UL)]
    [InlineData("time_for_children", "time:[4026531834]", 4026531834UL)]
    public void Parses_the_link_target(string type, string target, ulong inode) =>
        Assert.Equal(inode, NamespaceInodes.Parse(type, target));

    [Theory]
    [InlineData("net", "pid:[1]")]
    [InlineData("net", "net:[]")]
    [InlineData("net", "net:[12")]
    [InlineData("pid_for_children", "net:[12]")]
    public void Rejects_a_link_for_another_type_or_without_an_inode(string type, string target) =>
        Assert.ThrowsAny<Exception>(() => NamespaceInodes.Parse(type, target));

    [Fact]
    public void Rejects_a_type_that_is_not_one_entry() =>
        Assert.Throws<ArgumentException>(() => NamespaceInodes.Of(Environment.ProcessId, "../status"));
}
