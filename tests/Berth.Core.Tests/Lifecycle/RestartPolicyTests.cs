using Berth.Core.Lifecycle;

namespace Berth.Core.Tests.Lifecycle;

public class RestartPolicyTests
{
    [Theory]
    [InlineData(null, RestartPolicy.Always)]
    [InlineData("", RestartPolicy.Always)]
    [InlineData("Always", RestartPolicy.Always)]
    [InlineData("OnFailure", RestartPolicy.OnFailure)]
    [InlineData("Never", RestartPolicy.Never)]
    public void Parse(string? text, RestartPolicy policy) => Assert.Equal(policy, RestartPolicies.Parse(text));

    [Fact]
    public void Unknown_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => RestartPolicies.Parse("Sometimes"));

    [Theory]
    [InlineData(RestartPolicy.Always, 0, true)]
    [InlineData(RestartPolicy.Always, 1, true)]
    [InlineData(RestartPolicy.OnFailure, 0, false)]
    [InlineData(RestartPolicy.OnFailure, 1, true)]
    [InlineData(RestartPolicy.OnFailure, null, true)]
    [InlineData(RestartPolicy.Never, 0, false)]
    [InlineData(RestartPolicy.Never, 1, false)]
    public void Restarts(RestartPolicy policy, int? exitCode, bool restarts) => Assert.Equal(restarts, policy.Restarts(exitCode));
}
