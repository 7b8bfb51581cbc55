using System.Diagnostics;
using System.Globalization;

namespace Berth.Linux;

/// <summary>
/// Whether this kernel and the file system under a directory can give a pod its user namespace
/// the way Berth does it: an idmapped mount of a directory used as the lower layer of an
/// overlay (idmapped overlay layers need Linux 5.19). Tried once for real, in a scratch user
/// namespace, rather than guessed from a kernel version.
/// </summary>
public static class IdmapProbe
{
    /// <returns>Null when it works, else why not.</returns>
    public static async Task<string?> RunAsync(string scratch, CancellationToken ct)
    {
        if (!File.Exists("/proc/self/ns/user"))
        {
            return "this kernel has no user namespaces";
        }

        IdmappedMounts.UnmountBelow(scratch); // left by a probe the agent died in
        if (Directory.Exists(scratch))
        {
            Directory.Delete(scratch, recursive: true);
        }

        string Dir(string name) => Directory.CreateDirectory(Path.Combine(scratch, name)).FullName;
        var (lower, upper, work, mapped, merged) = (Dir("lower"), Dir("upper"), Dir("work"), Dir("mapped"), Dir("merged"));
        Process? holder = null;
        try
        {
            holder = await UserNamespaceHolderAsync(ct);
            var pid = holder.Id.ToString(CultureInfo.InvariantCulture);
            await File.WriteAllTextAsync($"/proc/{pid}/uid_map", "0 65536 65536\n", ct);
            await File.WriteAllTextAsync($"/proc/{pid}/gid_map", "0 65536 65536\n", ct);
            IdmappedMounts.Mount(lower, mapped, $"/proc/{pid}/ns/user");
            Mounts.MountOverlay(mapped, upper, work, merged);
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
        finally
        {
            if (holder is not null)
            {
                holder.Kill();
                await holder.WaitForExitAsync(CancellationToken.None);
                holder.Dispose();
            }

            IdmappedMounts.UnmountBelow(scratch);
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>A process in a new user namespace, whose /proc/&lt;pid&gt;/ns/user gives the namespace
    /// to map by: unshare(1), as a multithreaded process cannot unshare its own user namespace.</summary>
    private static async Task<Process> UserNamespaceHolderAsync(CancellationToken ct)
    {
        var start = new ProcessStartInfo("unshare", ["--user", "--", "sleep", "60"]) { RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException("unshare --user did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"unshare --user: {e.Message}", e);
        }

        var self = NamespaceInodes.Of(Environment.ProcessId, "user");
        for (var i = 0; i < 200; i++)
        {
            if (process.HasExited)
            {
                throw new IOException($"unshare --user exited {process.ExitCode}: {(await process.StandardError.ReadToEndAsync(ct)).Trim()}");
            }

            try
            {
                if (NamespaceInodes.Of(process.Id, "user") != self)
                {
                    return process;
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                // exec not done yet
            }

            await Task.Delay(10, ct);
        }

        process.Kill();
        throw new IOException("unshare --user did not enter a new user namespace within 2 s");
    }
}
