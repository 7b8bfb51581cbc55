using System.Diagnostics;

namespace Berth.Bench;

/// <summary>Starts each CRI server with its own state directories, so the run touches nothing else.</summary>
public static class Servers
{
    public const string Mirror = "http://127.0.0.1:5000";

    public static async Task<CriEndpoint> StartBerthAsync(string berth, string work)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, "berth")).FullName;
        var socket = Path.Combine(dir, "berth.sock");
        var process = Start(berth, dir, [
            "serve", "--root", Path.Combine(dir, "lib"), "--run-root", Path.Combine(dir, "run"), "--socket", socket,
            "--log-root", Path.Combine(dir, "logs"), "--cgroup-root", "/berth-bench",
            "--registry-mirror", $"registry.k8s.io={Mirror}"]);
        var endpoint = new CriEndpoint("berth", socket, process, () => StopAsync(process));
        await endpoint.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return endpoint;
    }

    /// <summary>Debian's containerd with its own config: runc through the v2 shim, cgroupfs,
    /// restrict_oom_score_adj (this host lacks CAP_SYS_RESOURCE), registry.k8s.io from the local mirror.</summary>
    public static async Task<CriEndpoint> StartContainerdAsync(string work)
    {
        var dir = Directory.CreateDirectory(Path.Combine(work, "containerd")).FullName;
        var socket = Path.Combine(dir, "containerd.sock");
        var config = Path.Combine(dir, "config.toml");
        await File.WriteAllTextAsync(config, $$"""
            version = 2
            root = "{{dir}}/root"
            state = "{{dir}}/state"
            disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

            [grpc]
              address = "{{socket}}"

            [ttrpc]
              address = "{{dir}}/containerd.sock.ttrpc"

            [plugins."io.containerd.internal.v1.opt"]
              path = "{{dir}}/opt"

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.6"
              restrict_oom_score_adj = true
              [plugins."io.containerd.grpc.v1.cri".containerd]
                default_runtime_name = "runc"
                snapshotter = "overlayfs"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                  runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                    SystemdCgroup = false
              [plugins."io.containerd.grpc.v1.cri".cni]
                bin_dir = "/usr/lib/cni"
                conf_dir = "{{dir}}/cni"
              [plugins."io.containerd.grpc.v1.cri".registry.mirrors."registry.k8s.io"]
                endpoint = ["{{Mirror}}"]
            """);
        var process = Start("containerd", dir, ["--config", config]);
        var endpoint = new CriEndpoint("containerd", socket, process, () => StopAsync(process));
        await endpoint.WaitReadyAsync(TimeSpan.FromSeconds(30));
        return endpoint;
    }

    private static Process Start(string program, string dir, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var log = File.AppendText(Path.Combine(dir, "server.log"));
        _ = Pump(process.StandardError, log);
        _ = Pump(process.StandardOutput, log);
        return process;
    }

    private static async Task Pump(StreamReader reader, StreamWriter log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
                log.Flush();
            }
        }
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
