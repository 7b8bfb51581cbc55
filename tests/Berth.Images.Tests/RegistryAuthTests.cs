using System.Text;
using Berth.Images.Registry;

namespace Berth.Images.Tests;

/// <summary>A registry behind basic auth and TLS signed by a test CA.</summary>
public sealed class SecureRegistryFixture : IAsyncLifetime
{
    internal TestRegistry Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await TestRegistry.StartAsync(auth: true, tls: true);
        using var scratch = new TempDirectory();
        var image = TestLayout.WriteImage(scratch["layout"], [(new TestLayer().File("secret", "behind auth\n"), Compression.Gzip)]);
        TestLayout.Name(scratch["layout"], (image, "v1"));
        await Registry.PushAsync(scratch["layout"], "v1", "team/app:v1");
    }

    public async Task DisposeAsync() => await Registry.DisposeAsync();
}

public sealed class RegistryAuthTests(SecureRegistryFixture fixture) : IClassFixture<SecureRegistryFixture>, IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    private TestRegistry Registry => fixture.Registry;

    private CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Pulls_over_tls_trusting_the_test_ca_with_basic_credentials()
    {
        using var store = Store(trustCa: true);

        var pulled = await store.PullAsync("secure.example/team/app:v1", new PullOptions { Credentials = new RegistryCredentials(TestRegistry.User, TestRegistry.Password) }, null, Ct);

        Assert.Equal("behind auth\n", File.ReadAllText(Path.Combine(pulled.Layers[0], "secret")));
    }

    [Fact]
    public async Task Credentials_come_from_a_docker_style_auth_file()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestRegistry.User}:{TestRegistry.Password}"));
        File.WriteAllText(_scratch["auth.json"], $$$"""{"auths": {"https://{{{Registry.Host}}}": {"auth": "{{{auth}}}"} } }""");
        using var store = Store(trustCa: true, authFile: _scratch["auth.json"]);

        var pulled = await store.PullAsync("secure.example/team/app:v1", new PullOptions(), null, Ct);

        Assert.Equal("secure.example/team/app:v1", pulled.Reference.ToString());
    }

    [Fact]
    public async Task Missing_and_wrong_credentials_fail_saying_so()
    {
        using var store = Store(trustCa: true);

        var missing = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync("secure.example/team/app:v1", new PullOptions(), null, Ct));
        var wrong = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync("secure.example/team/app:v1", new PullOptions { Credentials = new RegistryCredentials(TestRegistry.User, "nope") }, null, Ct));

        Assert.Equal(RegistryErrorKind.Unauthorized, missing.Kind);
        Assert.Contains("requires authentication for team/app", missing.Message, StringComparison.Ordinal);
        Assert.Contains("--creds", missing.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.Unauthorized, wrong.Kind);
        Assert.Contains($"rejected the credentials for team/app (user \"{TestRegistry.User}\")", wrong.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nope", wrong.Message, StringComparison.Ordinal);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task An_untrusted_certificate_is_refused_with_a_hint()
    {
        using var store = Store(trustCa: false);

        var error = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync("secure.example/team/app:v1", new PullOptions { Credentials = new RegistryCredentials(TestRegistry.User, TestRegistry.Password) }, null, Ct));

        Assert.Equal(RegistryErrorKind.Unavailable, error.Kind);
        Assert.Contains("TLS with 127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("TrustedCaFiles", error.Message, StringComparison.Ordinal);
    }

    private LocalImageStore Store(bool trustCa, string? authFile = null) => new(new ImageStoreOptions
    {
        Root = _scratch["store"],
        Mirrors = [new RegistryMirror("secure.example", new Uri($"https://{Registry.Host}"))],
        TrustedCaFiles = trustCa ? [Registry.CaFile] : [],
        AuthFile = authFile,
        RequestTimeout = TimeSpan.FromSeconds(10),
    });
}

public sealed class BearerTokenTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly TempDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task A_bearer_challenge_is_answered_from_the_token_endpoint_with_basic_credentials()
    {
        var image = TestLayout.WriteImage(_scratch["layout"], [(new TestLayer().File("t", "token\n"), Compression.Gzip)]);
        TestLayout.Name(_scratch["layout"], (image, "v1"));
        await fixture.Registry.PushAsync(_scratch["layout"], "v1", "bearer/app:v1");
        await using var proxy = new RegistryProxy(fixture.Registry.Endpoint) { RequireBearer = true, TokenCredentials = ("robot", "pw") };
        using var store = new LocalImageStore(new ImageStoreOptions { Root = _scratch["store"], RequestTimeout = TimeSpan.FromSeconds(10) });
        var reference = $"{proxy.Host}/bearer/app:v1";

        var refused = await Assert.ThrowsAsync<RegistryException>(() => store.PullAsync(reference, new PullOptions(), null, CancellationToken.None));
        var pulled = await store.PullAsync(reference, new PullOptions { Credentials = new RegistryCredentials("robot", "pw") }, null, CancellationToken.None);

        Assert.Contains("requires authentication", refused.Message, StringComparison.Ordinal);
        Assert.Contains("bad token credentials", refused.Message, StringComparison.Ordinal);
        Assert.Equal("token\n", File.ReadAllText(Path.Combine(pulled.Layers[0], "t")));
        Assert.Contains(proxy.Requests, r => r.Path == "/token");
        Assert.All(proxy.Requests.Where(r => r.Path.Contains("/blobs/", StringComparison.Ordinal)), r => Assert.Equal("Bearer " + RegistryProxy.Token, r.Authorization));
    }
}
