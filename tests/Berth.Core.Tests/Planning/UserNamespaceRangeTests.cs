using Berth.Core.Planning;

namespace Berth.Core.Tests.Planning;

public class UserNamespaceRangeTests
{
    private const string Passwd = "root:x:0:0::/root:/bin/sh\nkubelet:x:999:999::/var/lib/kubelet:/usr/sbin/nologin\n";

    [Fact]
    public void Without_the_user_every_id_from_65536_up_is_the_range_as_the_kubelets_default()
    {
        var range = UserNamespaceRange.FromSubordinateIds("kubelet", "root:x:0:0::/root:/bin/sh\n", null, null);
        Assert.Equal(65536u, range.First);
        Assert.Equal((1UL << 32) - 65536, range.Length);
        Assert.Equal(65535UL, range.Blocks);
    }

    [Fact]
    public void The_users_one_subuid_and_subgid_entry_by_name_or_uid_is_the_range()
    {
        var range = UserNamespaceRange.FromSubordinateIds("kubelet", Passwd, "alice:100000:65536\nkubelet:65536:7208960\n", "999:65536:7208960\n");
        Assert.Equal(new UserNamespaceRange(65536, 7208960), range);
    }

    [Theory]
    [InlineData("kubelet:65536:7208960", "kubelet:131072:7208960", "mismatched subuids and subgids")]
    [InlineData("kubelet:100000:7208960", "kubelet:100000:7208960", "is not a multiple of 65536")]
    [InlineData("kubelet:0:7208960", "kubelet:0:7208960", "must be greater or equal to 65536")]
    [InlineData("kubelet:65536:70000", "kubelet:65536:70000", "length 70000 is not a multiple of 65536")]
    [InlineData("kubelet:65536:655360", "kubelet:65536:655360", "not enough to support 110 pods")]
    [InlineData("", "kubelet:65536:7208960", "exactly one entry")]
    public void A_range_breaking_the_kubelets_rules_is_refused(string subuid, string subgid, string message)
    {
        var e = Assert.Throws<FormatException>(() => UserNamespaceRange.FromSubordinateIds("kubelet", Passwd, subuid, subgid));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_takes_first_colon_length()
    {
        Assert.Equal(new UserNamespaceRange(1000 * 65536, 200 * 65536), UserNamespaceRange.Parse("65536000:13107200"));
        Assert.Throws<FormatException>(() => UserNamespaceRange.Parse("65536000"));
        Assert.Throws<FormatException>(() => UserNamespaceRange.Parse("4294901760:13107200"));
    }

    [Fact]
    public void PickFree_returns_only_free_aligned_blocks_and_null_when_all_are_taken()
    {
        var range = new UserNamespaceRange(65536, 110 * 65536);
        var taken = new HashSet<uint>();
        var random = new Random(7);
        for (var i = 0; i < 110; i++)
        {
            var first = range.PickFree(taken, random);
            Assert.NotNull(first);
            Assert.True(range.Contains(first.Value));
            Assert.Equal(0u, first.Value % 65536);
            Assert.True(taken.Add(first.Value), $"block {first} handed out twice");
        }

        Assert.Null(range.PickFree(taken, random));
    }
}
