namespace Berth.Images.Tests;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("busybox:1.36", "busybox", "1.36")]
    [InlineData("busybox:latest", "busybox", "latest")]
    [InlineData("library/busybox", "busybox", "latest")]
    [InlineData("docker.io/library/busybox:1.36", "busybox", "1.36")]
    [InlineData("index.docker.io/library/busybox", "busybox", "latest")]
    [InlineData("docker.io/team/app:v1", "team/app", "v1")]
    [InlineData("team/app", "team/app", "latest")]
    [InlineData("library/team/app", "library/team/app", "latest")]
    [InlineData("localhost/app", "localhost/app", "latest")]
    [InlineData("localhost:5000/team/app:v1", "localhost:5000/team/app", "v1")]
    [InlineData("localhost:5000/app", "localhost:5000/app", "latest")]
    [InlineData("registry.k8s.io/pause:3.10", "registry.k8s.io/pause", "3.10")]
    [InlineData("quay.io/org/sub/app:V1_rc-2", "quay.io/org/sub/app", "V1_rc-2")]
    [InlineData("Registry.Example.com/app", "Registry.Example.com/app", "latest")]
    [InlineData("my-registry.local:443/a.b/c__d/e--f:_x", "my-registry.local:443/a.b/c__d/e--f", "_x")]
    [InlineData("localhost:5000", "localhost", "5000")]
    [InlineData("beef", "beef", "latest")]
    public void Parses_docker_short_names(string text, string repository, string tag)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal($"{repository}:{tag}", reference.ToString());
        Assert.True(ImageReference.TryParse(text, out var parsed));
        Assert.Equal(reference, parsed);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("BusyBox", "lowercase")]
    [InlineData("team/App:v1", "lowercase")]
    [InlineData("busy box", "not a valid path component")]
    [InlineData(" busybox", "not a valid path component")]
    [InlineData("busybox\n", "not a valid path component")]
    [InlineData("busybox:", "tag")]
    [InlineData(":v1", "empty")]
    [InlineData("busybox:-v1", "tag")]
    [InlineData("busybox:.v1", "tag")]
    [InlineData("busybox:v/1", "registry host")]
    [InlineData("team//app", "empty path component")]
    [InlineData("team/../app", "\"..\" is not a valid path component")]
    [InlineData("a..b", "not a valid path component")]
    [InlineData("app-", "not a valid path component")]
    [InlineData("_app", "not a valid path component")]
    [InlineData("local..host:5000/app", "registry host")]
    [InlineData(":5000/app", "registry host")]
    [InlineData("busybox@sha256:9ae97d36", "is not a digest")]
    [InlineData("busybox@md5:9ae97d36d26566ff84e8893c64a6dc4f", "is not a digest")]
    [InlineData("9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7", "image id")]
    public void Rejects_invalid_references_naming_them(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ImageReference.Parse(text));
        Assert.Contains($"\"{text}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(ImageReference.TryParse(text, out _));
    }

    private const string Hex = "9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7";

    [Theory]
    [InlineData("busybox@sha256:" + Hex, "busybox", null, "docker.io", "library/busybox")]
    [InlineData("busybox:1.36@sha256:" + Hex, "busybox", "1.36", "docker.io", "library/busybox")]
    [InlineData("localhost:5000/team/app@sha256:" + Hex, "localhost:5000/team/app", null, "localhost:5000", "team/app")]
    [InlineData("docker.io/library/busybox@sha256:" + Hex, "busybox", null, "docker.io", "library/busybox")]
    public void Parses_digest_references(string text, string repository, string? tag, string registry, string remoteName)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal("sha256:" + Hex, reference.Digest!.ToString());
        Assert.Equal(registry, reference.Registry);
        Assert.Equal(remoteName, reference.RemoteName);
        Assert.Equal("sha256:" + Hex, reference.ManifestReference);
        Assert.Equal(reference, ImageReference.Parse(reference.ToString()));
    }

    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest")]
    [InlineData("team/app:v1", "docker.io", "team/app", "v1")]
    [InlineData("registry.k8s.io/pause:3.10", "registry.k8s.io", "pause", "3.10")]
    [InlineData("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "latest")]
    public void Splits_registry_and_remote_name_with_docker_defaults(string text, string registry, string remoteName, string manifestReference)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(remoteName, reference.RemoteName);
        Assert.Equal($"{registry}/{remoteName}", reference.CanonicalName);
        Assert.Equal(manifestReference, reference.ManifestReference);
    }

    [Fact]
    public void Rejects_overlong_names_and_tags()
    {
        Assert.Throws<FormatException>(() => ImageReference.Parse(new string('a', 256)));
        Assert.Equal(255, ImageReference.Parse(new string('a', 255)).Repository.Length);
        Assert.Throws<FormatException>(() => ImageReference.Parse("app:" + new string('t', 129)));
        Assert.Equal(128, ImageReference.Parse("app:" + new string('t', 128)).Tag!.Length);
    }

    [Fact]
    public void Construction_normalizes_like_parsing_so_equal_images_are_equal()
    {
        Assert.Equal(ImageReference.Parse("busybox"), new ImageReference("docker.io/library/busybox", "latest"));
        Assert.Equal("busybox:latest", new ImageReference("busybox", ImageReference.DefaultTag).ToString());
        var (repository, tag) = ImageReference.Parse("localhost:5000/app:v2");
        Assert.Equal(("localhost:5000/app", "v2"), (repository, tag));
    }

    [Fact]
    public void Construction_rejects_what_parsing_rejects()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageReference("Busybox", "latest"));
        Assert.Contains("\"Busybox\"", error.Message, StringComparison.Ordinal);
        Assert.Equal("repository", error.ParamName);
        Assert.Equal("tag", Assert.Throws<ArgumentException>(() => new ImageReference("busybox", "")).ParamName);
    }
}
