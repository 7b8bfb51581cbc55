using Berth.Oci.Spec;

namespace Berth.Runtime;

/// <summary>
/// The files the runtime gives every container of a sandbox: /etc/hostname, /etc/hosts and
/// /etc/resolv.conf, kept with the sandbox (like the kubelet's etc-hosts) and bind-mounted.
/// </summary>
public static class PodFiles
{
    public static void Write(string directory, string? hostname)
    {
        Directory.CreateDirectory(directory);
        if (hostname is not null)
        {
            File.WriteAllText(Path.Combine(directory, "hostname"), hostname + "\n");
            File.WriteAllText(Path.Combine(directory, "hosts"),
                $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n");
        }

        var resolv = "/etc/resolv.conf";
        File.WriteAllText(Path.Combine(directory, "resolv.conf"), File.Exists(resolv) ? File.ReadAllText(resolv) : "");
    }

    public static IReadOnlyList<MountSpec> Mounts(string directory) =>
    [
        .. new[] { "hostname", "hosts", "resolv.conf" }
            .Where(name => File.Exists(Path.Combine(directory, name)))
            .Select(name => new MountSpec("/etc/" + name, "bind", Path.Combine(directory, name), ["rbind", "rprivate", "rw"])),
    ];
}
