using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Cri.V1;
using Berth.Integration.Tests.Harness;
using Grpc.Core;

namespace Berth.Integration.Tests;

[Collection("cri")]
public class CriImageTests(CriNode node)
{
    [Fact]
    public async Task Images_are_listed_once_with_their_names_and_status_answers_for_any_name()
    {
        var busybox = Assert.Single((await node.Images.ListImagesAsync(new ListImagesRequest())).Images, i => i.RepoTags.Contains("docker.io/library/busybox:latest"));
        Assert.StartsWith("sha256:", busybox.Id, StringComparison.Ordinal);
        Assert.True(busybox.Size > 0);

        var byName = (await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = "busybox" }, Verbose = true }));
        Assert.Equal(busybox, byName.Image);
        Assert.Contains("\"imageSpec\"", byName.Info["info"], StringComparison.Ordinal);
        Assert.Equal(busybox, (await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = busybox.Id } })).Image);
        Assert.Equal(busybox, (await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = "docker.io/library/busybox:latest" } })).Image);
        var filtered = await node.Images.ListImagesAsync(new ListImagesRequest { Filter = new ImageFilter { Image = new ImageSpec { Image = "busybox:latest" } } });
        Assert.Equal(busybox.Id, Assert.Single(filtered.Images).Id);

        // Not here is an answer, not an error; a malformed name is a bad request.
        Assert.Null((await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = "not-here:1" } })).Image);
        Assert.Equal(StatusCode.InvalidArgument, (await CriNode.FailsAsync(() => node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = "Bad Name" } }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, (await CriNode.FailsAsync(() => node.Images.ImageStatusAsync(new ImageStatusRequest()).ResponseAsync)).StatusCode);

        var fs = Assert.Single((await node.Images.ImageFsInfoAsync(new ImageFsInfoRequest())).ImageFilesystems);
        Assert.StartsWith(node.Agent.Root, fs.FsId.Mountpoint, StringComparison.Ordinal);
        Assert.True(fs.UsedBytes.Value >= busybox.Size / 2, $"{fs.UsedBytes.Value} bytes used");
        Assert.True(fs.InodesUsed.Value > 10);
    }

    /// <summary>
    /// An image with a config (Entrypoint, Cmd, Env, WorkingDir, User) behind a registry that wants
    /// a password: pulled with CRI auth, run by the id PullImage returned, removed when unused.
    /// </summary>
    [Fact]
    public async Task PullImage_with_auth_then_a_container_runs_the_image_config()
    {
        var dir = Directory.CreateTempSubdirectory("berth-it-cri-registry-").FullName;
        var port = FreePort();
        Process? registry = null;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "htpasswd"), await Shell.HostAsync("htpasswd", "-Bbn", "tester", "s3cret"));
            await File.WriteAllTextAsync(Path.Combine(dir, "config.yml"), $$"""
                version: 0.1
                log: { level: error }
                storage: { filesystem: { rootdirectory: {{dir}}/data } }
                http: { addr: 127.0.0.1:{{port}} }
                auth: { htpasswd: { realm: berth-tests, path: {{dir}}/htpasswd } }
                """);
            registry = Process.Start(new ProcessStartInfo("docker-registry", ["serve", Path.Combine(dir, "config.yml")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            _ = registry.StandardError.ReadToEndAsync();
            _ = registry.StandardOutput.ReadToEndAsync();
            using var http = new HttpClient();
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        return (await http.GetAsync($"http://127.0.0.1:{port}/v2/")).StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return HttpStatusCode.ServiceUnavailable;
                    }
                },
                s => s == HttpStatusCode.Unauthorized,
                TimeSpan.FromSeconds(20),
                "the registry answering");

            // busybox plus a config, pushed as 127.0.0.1:<port>/tools/app:1.
            var layout = Path.Combine(dir, "layout");
            Directory.CreateDirectory(layout);
            var save = await node.Agent.BerthAsync("image", "save", "busybox", "-o", Path.Combine(dir, "busybox.tar"));
            Assert.True(save.ExitCode == 0, save.ToString());
            await Shell.HostAsync("tar", "-xf", Path.Combine(dir, "busybox.tar"), "-C", layout);
            await Shell.HostAsync("umoci", "config", "--image", $"{layout}:latest", "--tag", "app",
                "--config.entrypoint", "/bin/sh", "--config.entrypoint", "-c",
                "--config.cmd", "echo \"$GREETING from $(pwd) as $(id -u)\"",
                "--config.env", "GREETING=hello", "--config.workingdir", "/tmp", "--config.user", "nobody");
            var name = $"127.0.0.1:{port}/tools/app:1";
            await Shell.HostAsync("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", "tester:s3cret", $"oci:{layout}:app", $"docker://{name}");

            var spec = new ImageSpec { Image = name };
            var denied = await CriNode.FailsAsync(() => node.Images.PullImageAsync(new PullImageRequest { Image = spec }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
            var wrong = await CriNode.FailsAsync(() => node.Images.PullImageAsync(new PullImageRequest { Image = spec, Auth = new AuthConfig { Auth = "%%%" } }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);

            var pulled = await node.Images.PullImageAsync(new PullImageRequest { Image = spec, Auth = new AuthConfig { Username = "tester", Password = "s3cret" } });
            Assert.StartsWith("sha256:", pulled.ImageRef, StringComparison.Ordinal);
            var status = (await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = spec })).Image;
            Assert.Equal(pulled.ImageRef, status.Id);
            Assert.Equal([name], status.RepoTags);
            Assert.StartsWith($"127.0.0.1:{port}/tools/app@sha256:", Assert.Single(status.RepoDigests), StringComparison.Ordinal);
            Assert.Equal("nobody", status.Username);
            Assert.Null(status.Uid);
            Assert.Equal(status, (await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = status.RepoDigests[0] } })).Image);

            // Removed, then pulled again with the other form of credentials.
            await node.Images.RemoveImageAsync(new RemoveImageRequest { Image = spec });
            Assert.Null((await node.Images.ImageStatusAsync(new ImageStatusRequest { Image = spec })).Image);
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("tester:s3cret"));
            pulled = await node.Images.PullImageAsync(new PullImageRequest { Image = spec, Auth = new AuthConfig { Auth = auth } });

            // The kubelet creates by the id PullImage returned, with neither command nor args.
            await using var pod = await node.RunPodAsync("image-config");
            var config = CriNode.Container("app");
            config.Image = new ImageSpec { Image = pulled.ImageRef };
            var id = await pod.StartAsync(config);
            var exited = await node.ExitedAsync(id);
            Assert.Equal(0, exited.ExitCode);
            Assert.Equal(name, exited.Image.Image);
            Assert.Equal(pulled.ImageRef, exited.ImageId);
            Assert.Equal(65534, exited.User.Linux.Uid);
            Assert.Contains(await File.ReadAllLinesAsync(exited.LogPath), l => l.EndsWith(" stdout F hello from /tmp as 65534", StringComparison.Ordinal));

            // In use: its layers are the container's root. Unused: gone, and gone again is fine.
            var inUse = await CriNode.FailsAsync(() => node.Images.RemoveImageAsync(new RemoveImageRequest { Image = spec }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, inUse.StatusCode);
            await node.Runtime.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id });
            await node.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = pulled.ImageRef } });
            await node.Images.RemoveImageAsync(new RemoveImageRequest { Image = new ImageSpec { Image = pulled.ImageRef } });
            Assert.DoesNotContain((await node.Images.ListImagesAsync(new ListImagesRequest())).Images, i => i.Id == pulled.ImageRef);
        }
        finally
        {
            registry?.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
