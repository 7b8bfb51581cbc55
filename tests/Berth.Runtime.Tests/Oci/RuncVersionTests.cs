using Berth.Oci;

namespace Berth.Runtime.Tests.Oci;

public class RuncVersionTests
{
    [Theory]
    [InlineData("runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\n", "1.1.5")]
    [InlineData("runc version 1.3.2\ncommit: v1.3.2-0-g1234\nspec: 1.2.1\n", "1.3.2")]
    [InlineData("runc version 1.2.0-rc.1\n", "1.2.0")]
    public void Reads_the_version_line(string output, string version) => Assert.Equal(Version.Parse(version), RuncVersion.Parse(output));

    [Theory]
    [InlineData("")]
    [InlineData("crun version 1.8\n")]
    [InlineData("commit: 1.1.5\n")]
    public void Anything_else_is_no_version(string output) => Assert.Null(RuncVersion.Parse(output));
}
