using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Images.Tests;

/// <summary>
/// Debian's docker-registry (the distribution reference server) on 127.0.0.1 and a free port,
/// in a directory of its own, optionally behind basic auth (a bcrypt htpasswd) and TLS (a test CA
/// made with openssl). Killed and deleted on dispose.
/// </summary>
internal sealed class TestRegistry : IAsyncDisposable
{
    public const string User = "tester";
    public const string Password = "s3cret-pass";

    private readonly TempDirectory _scratch = new();
    private Process? _process;

    private TestRegistry()
    {
    }

    public int Port { get; private set; }

    public bool Tls { get; private set; }

    public bool Auth { get; private set; }

    /// <summary>The registry's storage, to tamper with blobs.</summary>
    public string DataDir => _scratch["data"];

    /// <summary>The PEM of the CA that signed the TLS certificate.</summary>
    public string CaFile => _scratch["ca.crt"];

    public string Host => $"127.0.0.1:{Port}";

    public Uri Endpoint => new($"{(Tls ? "https" : "http")}://{Host}/");

    public static async Task<TestRegistry> StartAsync(bool auth = false, bool tls = false)
    {
        Berth.Testing.Host.RequireTool("/usr/bin/docker-registry", "docker-registry");
        var registry = new TestRegistry { Auth = auth, Tls = tls };
        try
        {
            await registry.RunAsync();
            return registry;
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
    }

    /// <summary>Copies an image of an OCI layout into this registry with skopeo.</summary>
    /// <param name="all">Copy a whole index with every platform's image.</param>
    /// <param name="format">"v2s2" converts to Docker's media types.</param>
    public async Task PushAsync(string layout, string refName, string repositoryAndTag, bool all = false, string? format = null)
    {
        var skopeo = Berth.Testing.Host.RequireTool("/usr/bin/skopeo", "skopeo");
        List<string> args = ["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"];
        if (Auth)
        {
            args.Add($"--dest-creds={User}:{Password}");
        }

        if (all)
        {
            args.Add("--all");
        }

        if (format is not null)
        {
            args.Add($"--format={format}");
        }

        args.AddRange([$"oci:{layout}:{refName}", $"docker://{Host}/{repositoryAndTag}"]);
        await Berth.Testing.Host.RunAsync(skopeo, [.. args]);
    }

    /// <summary>
    /// Uploads an image's blobs and manifest as they are, through the distribution API: skopeo
    /// would compress uncompressed layers on the way.
    /// </summary>
    public async Task PushRawAsync(string layout, TestImage image, string repositoryAndTag)
    {
        var colon = repositoryAndTag.LastIndexOf(':');
        var (repository, tag) = (repositoryAndTag[..colon], repositoryAndTag[(colon + 1)..]);
        using var http = new HttpClient();
        foreach (var digest in image.LayerDigests.Prepend(image.ConfigDigest))
        {
            using var started = await http.PostAsync(new Uri(Endpoint, $"/v2/{repository}/blobs/uploads/"), null);
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var location = new Uri(Endpoint, started.Headers.Location!);
            var separator = location.Query.Length > 0 ? "&" : "?";
            using var blob = new ByteArrayContent(File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..])));
            using var uploaded = await http.PutAsync(new Uri($"{location}{separator}digest={Uri.EscapeDataString(digest)}"), blob);
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        }

        using var manifest = new ByteArrayContent(File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", image.ManifestDigest["sha256:".Length..])));
        manifest.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(image.MediaType);
        using var put = await http.PutAsync(new Uri(Endpoint, $"/v2/{repository}/manifests/{tag}"), manifest);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _scratch.Dispose();
    }

    private async Task RunAsync()
    {
        Port = FreePort();
        var config = new StringBuilder($"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {_scratch["data"]}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}

            """);
        if (Tls)
        {
            await MakeCertificatesAsync();
            config.Append($"""
                  tls:
                    certificate: {_scratch["server.crt"]}
                    key: {_scratch["server.key"]}

                """);
        }

        if (Auth)
        {
            var htpasswd = Berth.Testing.Host.RequireTool("/usr/bin/htpasswd", "apache2-utils");
            File.WriteAllText(_scratch["htpasswd"], await Berth.Testing.Host.RunAsync(htpasswd, "-Bbn", User, Password));
            config.Append($"""
                auth:
                  htpasswd:
                    realm: berth-test
                    path: {_scratch["htpasswd"]}

                """);
        }

        File.WriteAllText(_scratch["config.yml"], config.ToString());
        var start = new ProcessStartInfo("/usr/bin/docker-registry") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(_scratch["config.yml"]);
        _process = Process.Start(start)!;
        var output = new StringBuilder();
        _process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        _process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var probe = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {output}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(Endpoint, "/v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"docker-registry did not answer on {Endpoint}: {output}");
    }

    private async Task MakeCertificatesAsync()
    {
        var openssl = Berth.Testing.Host.RequireTool("/usr/bin/openssl", "openssl");
        await Berth.Testing.Host.RunAsync(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=berth test CA",
            "-keyout", _scratch["ca.key"], "-out", CaFile);
        await Berth.Testing.Host.RunAsync(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", _scratch["server.key"], "-out", _scratch["server.csr"]);
        File.WriteAllText(_scratch["san.ext"], "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        await Berth.Testing.Host.RunAsync(openssl, "x509", "-req", "-in", _scratch["server.csr"], "-CA", CaFile, "-CAkey", _scratch["ca.key"],
            "-CAcreateserial", "-days", "2", "-extfile", _scratch["san.ext"], "-out", _scratch["server.crt"]);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
