using Berth.Images.Registry;

namespace Berth.Images.Tests;

public class BearerChallengeTests
{
    [Fact]
    public void Reads_the_quoted_parameters_docker_hub_sends()
    {
        var parameters = BearerChallenge.Parameters("""realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull" """);

        Assert.Equal("https://auth.docker.io/token", parameters["realm"]);
        Assert.Equal("registry.docker.io", parameters["service"]);
        Assert.Equal("repository:library/busybox:pull", parameters["scope"]);
        Assert.Equal(3, parameters.Count);
    }

    [Theory]
    // Unquoted tokens, as RFC 7235 allows.
    [InlineData("realm=https://ghcr.io/token,service=ghcr.io", "https://ghcr.io/token", "ghcr.io", null)]
    // Spaces after the commas and around the names.
    [InlineData("""realm="https://r.example/token",  service="r.example" , scope="repository:a:pull" """, "https://r.example/token", "r.example", "repository:a:pull")]
    // A comma inside a quoted value belongs to the value.
    [InlineData("""realm="https://r.example/token",scope="repository:team/app:pull,push",service="r" """, "https://r.example/token", "r", "repository:team/app:pull,push")]
    // A backslash quotes the next character of a quoted-string.
    [InlineData("""realm="https://r.example/t\"o\\ken",service="r" """, """https://r.example/t"o\ken""", "r", null)]
    // Names are case-insensitive; the realm alone is enough.
    [InlineData("""Realm="https://r.example/token" """, "https://r.example/token", null, null)]
    public void Reads_other_shapes_of_the_header(string header, string realm, string? service, string? scope)
    {
        var parameters = BearerChallenge.Parameters(header);

        Assert.Equal(realm, parameters["realm"]);
        Assert.Equal(service, parameters.GetValueOrDefault("service"));
        Assert.Equal(scope, parameters.GetValueOrDefault("scope"));
    }

    [Fact]
    public void Text_without_parameters_has_none()
    {
        Assert.Empty(BearerChallenge.Parameters(""));
        Assert.Empty(BearerChallenge.Parameters("   "));
        Assert.Empty(BearerChallenge.Parameters("garbage"));
    }

    [Fact]
    public void The_token_request_carries_service_and_the_challenges_scope()
    {
        var uri = BearerChallenge.TokenUri(
            new Uri("https://auth.docker.io/token"),
            new Dictionary<string, string> { ["realm"] = "https://auth.docker.io/token", ["service"] = "registry.docker.io", ["scope"] = "repository:library/busybox:pull,push" },
            "library/other");

        Assert.Equal("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull%2Cpush", uri.AbsoluteUri);
    }

    [Fact]
    public void Without_a_scope_the_token_request_asks_to_pull_the_repository()
    {
        var uri = BearerChallenge.TokenUri(new Uri("https://r.example/token"), new Dictionary<string, string>(), "team/app");

        Assert.Equal("https://r.example/token?scope=repository%3Ateam%2Fapp%3Apull", uri.AbsoluteUri);
    }
}
