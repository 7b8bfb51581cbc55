using Berth.Images.Registry;

namespace Berth.Images.Tests;

public class RegistryHostsTests
{
    [Theory]
    [InlineData("quay.io/org/app", "https://quay.io")]
    [InlineData("busybox", "https://registry-1.docker.io")]
    [InlineData("index.docker.io/library/busybox", "https://registry-1.docker.io")]
    [InlineData("localhost:5000/app", "http://localhost:5000")]
    [InlineData("127.0.0.1:5000/app", "http://127.0.0.1:5000")]
    [InlineData("127.8.9.10/app", "http://127.8.9.10")]
    [InlineData("insecure.example:8080/app", "http://insecure.example:8080")]
    [InlineData("INSECURE.example:8080/app", "http://insecure.example:8080")]
    [InlineData("insecure.example/app", "https://insecure.example")]
    [InlineData("10.0.0.1:5000/app", "https://10.0.0.1:5000")]
    public void The_registry_itself_is_reached_over_https_unless_insecure_or_loopback(string image, string expected)
    {
        var hosts = new RegistryHosts([], ["insecure.example:8080"]);

        var endpoint = Assert.Single(hosts.EndpointsFor(ImageReference.Parse(image)));

        Assert.False(endpoint.IsMirror);
        Assert.Equal(expected, endpoint.ToString());
    }

    [Fact]
    public void Mirrors_of_the_registry_come_first_in_their_order()
    {
        var hosts = new RegistryHosts(
            [
                RegistryMirror.Parse("registry.k8s.io=http://127.0.0.1:5000"),
                RegistryMirror.Parse("quay.io=https://quay-mirror.example"),
                RegistryMirror.Parse("Registry.K8s.io=https://mirror.example/prefix"),
            ],
            []);

        var endpoints = hosts.EndpointsFor(ImageReference.Parse("registry.k8s.io/pause:3.10"));

        Assert.Equal(["http://127.0.0.1:5000", "https://mirror.example/prefix", "https://registry.k8s.io"], endpoints.Select(e => e.ToString()));
        Assert.Equal([true, true, false], endpoints.Select(e => e.IsMirror));
        Assert.Equal("https://mirror.example/prefix/v2/pause/manifests/3.10", endpoints[1].Api("pause/manifests/3.10").AbsoluteUri);
    }

    [Theory]
    [InlineData("docker.io")]
    [InlineData("index.docker.io")]
    [InlineData("registry-1.docker.io")]
    [InlineData("registry.hub.docker.com")]
    public void A_mirror_of_any_docker_hub_alias_serves_docker_hub_images(string host)
    {
        var hosts = new RegistryHosts([RegistryMirror.Parse($"{host}=http://127.0.0.1:5000")], []);

        var endpoints = hosts.EndpointsFor(ImageReference.Parse("busybox"));

        Assert.Equal(["http://127.0.0.1:5000", "https://registry-1.docker.io"], endpoints.Select(e => e.ToString()));
    }
}
