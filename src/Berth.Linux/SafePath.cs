using System.Globalization;
using System.Text;

namespace Berth.Linux;

/// <summary>Why a path could not be resolved beneath its root.</summary>
public enum BeneathFailure
{
    /// <summary>An absolute symlink, or a ".." above the root (in the path or a symlink), leads out.</summary>
    Escapes,
    Missing,
    NotDirectory,
    TooManyLinks,
    Denied,
    Other,
}

/// <summary>A path could not be resolved beneath its root; <see cref="Failure"/> says why
/// without the host paths the message carries.</summary>
public sealed class BeneathException(BeneathFailure failure, string message, int errno) : IOException(message, errno)
{
    public BeneathFailure Failure { get; } = failure;
}

/// <summary>An O_PATH descriptor of a file found beneath a root. O_PATH opens nothing for I/O:
/// a FIFO does not block, a device is not touched, and what the descriptor names can no longer
/// be swapped for something else.</summary>
public sealed class BeneathHandle : IDisposable
{
    private readonly FileDescriptor fd;

    internal BeneathHandle(FileDescriptor fd)
    {
        this.fd = fd;
        Node = FileNodes.OfDescriptor(fd.Fd);
    }

    public FileNode Node { get; }

    /// <summary>The magic link through which mount(2) reaches exactly the opened file, whatever
    /// has happened to its path since.</summary>
    public string ProcPath => "/proc/self/fd/" + fd.Fd.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => fd.Dispose();
}

/// <summary>
/// Resolves a path inside a tree that someone else controls (a pod's volume) without ever leaving
/// it, the way the kubelet opens subPaths after CVE-2017-1002101 (pkg/volume/util/subpath):
/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so symlinks are followed only while they
/// stay beneath the root (an absolute one, or ".." above the root, fails with EXDEV); where openat2
/// is missing, the same rules in a walk of O_PATH | O_NOFOLLOW openat(2) calls, one component at a
/// time from descriptors already checked. Missing directories are created beneath the root with
/// mkdirat(2) on such a descriptor (the kubelet's SafeMakeDir).
/// </summary>
public static class SafePath
{
    /// <summary>The kernel's MAXSYMLINKS.</summary>
    private const int MaxSymlinks = 40;

    /// <summary>openat2 may ask to retry when a rename raced with a ".." (EAGAIN).</summary>
    private const int Openat2Retries = 16;

    // 0: not tried yet, 1: works, -1: not available (old kernel, or a seccomp filter refuses it).
    private static int openat2State;

    /// <summary>Whether openat2(2) resolves paths here; false once it was found missing.</summary>
    public static bool Openat2Available
    {
        get
        {
            if (Volatile.Read(ref openat2State) == 0)
            {
                var how = new Libc.OpenHow { Flags = (ulong)(Libc.O_PATH | Libc.O_CLOEXEC), Resolve = Libc.RESOLVE_NO_MAGICLINKS };
                var fd = Libc.Openat2(Libc.AT_FDCWD, "/", ref how);
                if (fd >= 0)
                {
                    Libc.Close(fd);
                    Volatile.Write(ref openat2State, 1);
                }
                else if (IsUnavailable(Libc.LastError()))
                {
                    Volatile.Write(ref openat2State, -1);
                }
            }

            return Volatile.Read(ref openat2State) > 0;
        }
    }

    /// <summary>Opens <paramref name="relative"/> beneath <paramref name="root"/> (O_PATH, the last
    /// symlink followed if it stays inside).</summary>
    /// <param name="createMissing">Create missing components as directories with the root's mode.</param>
    /// <exception cref="BeneathException">The path leaves the root, is missing, or cannot be resolved.</exception>
    public static BeneathHandle OpenBeneath(string root, string relative, bool createMissing) =>
        OpenBeneath(root, relative, createMissing, Openat2Available);

    /// <param name="useOpenat2">False forces the component walk, so tests cover both.</param>
    internal static BeneathHandle OpenBeneath(string root, string relative, bool createMissing, bool useOpenat2)
    {
        string[] parts = [.. relative.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".")];
        using var rootFd = FileDescriptor.Open(root, Libc.O_PATH | Libc.O_DIRECTORY);
        int Resolve(int count) => count == 0 ? Reopen(rootFd.Fd)
            : useOpenat2 && Openat2Beneath(rootFd.Fd, string.Join('/', parts[..count])) is var fd && fd != Unavailable ? fd
            : Walk(rootFd.Fd, parts[..count]);

        var result = Resolve(parts.Length);
        if (result == -Libc.ENOENT && createMissing)
        {
            result = CreateMissing(rootFd.Fd, parts, Resolve);
        }

        return result >= 0 ? new BeneathHandle(new FileDescriptor(result)) : throw Failure(-result, relative, root);
    }

    /// <summary>
    /// Bind-mounts the opened file onto <paramref name="target"/> through its /proc/self/fd link, so
    /// the mount gets exactly what was checked even if the path was swapped since. The target is
    /// created as what a bind mount needs: a directory for a directory, an empty file for anything
    /// else (a FIFO or socket binds onto a file too).
    /// </summary>
    public static void BindMount(BeneathHandle source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var existing = FileNodes.LStat(target).Type;
        var wanted = source.Node.Type == UnixFileType.Directory ? UnixFileType.Directory : UnixFileType.Regular;
        if (existing == UnixFileType.Missing && wanted == UnixFileType.Directory)
        {
            Directory.CreateDirectory(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }
        else if (existing == UnixFileType.Missing)
        {
            using var _ = new FileStream(target, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead });
        }
        else if (existing != wanted)
        {
            throw new IOException($"bind mount target {target} exists as a {existing}, a {wanted} is needed");
        }

        if (Libc.Mount(source.ProcPath, target, null, Libc.MS_BIND, null) != 0)
        {
            throw Libc.Error($"bind mount {source.ProcPath} on {target}", Libc.LastError());
        }
    }

    private const int Unavailable = int.MinValue;

    /// <returns>A descriptor, a negated errno, or <see cref="Unavailable"/>.</returns>
    private static int Openat2Beneath(int rootFd, string path)
    {
        if (Volatile.Read(ref openat2State) < 0)
        {
            return Unavailable;
        }

        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_PATH | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS,
        };
        for (var attempt = 0; ; attempt++)
        {
            var fd = Libc.Openat2(rootFd, path, ref how);
            if (fd >= 0)
            {
                return fd;
            }

            var errno = Libc.LastError();
            if (IsUnavailable(errno))
            {
                Volatile.Write(ref openat2State, -1);
                return Unavailable;
            }

            if (errno != Libc.EAGAIN || attempt == Openat2Retries)
            {
                return -errno;
            }
        }
    }

    /// <summary>ENOSYS before Linux 5.6; EINVAL or E2BIG where flags or struct size are unknown;
    /// EPERM where a seccomp filter refuses the call.</summary>
    private static bool IsUnavailable(int errno) => errno is Libc.ENOSYS or Libc.EINVAL or Libc.E2BIG or Libc.EPERM;

    /// <summary>
    /// RESOLVE_BENEATH by hand: every component is opened O_PATH | O_NOFOLLOW from the descriptor
    /// of the one before, so nothing is ever followed by the kernel. A symlink's text is read from
    /// its own descriptor and walked the same way; ".." pops back to the descriptor of the parent
    /// actually walked through and may not pop the root.
    /// </summary>
    /// <returns>A descriptor or a negated errno.</returns>
    private static int Walk(int rootFd, IEnumerable<string> parts)
    {
        var stack = new List<int>();
        var start = Reopen(rootFd);
        if (start < 0)
        {
            return start;
        }

        stack.Add(start);
        var pending = new LinkedList<string>(parts);
        var links = 0;
        try
        {
            while (pending.First is { } first)
            {
                var name = first.Value;
                pending.RemoveFirst();
                if (name is "" or ".")
                {
                    continue;
                }

                if (name == "..")
                {
                    if (stack.Count == 1)
                    {
                        return -Libc.EXDEV;
                    }

                    Libc.Close(stack[^1]);
                    stack.RemoveAt(stack.Count - 1);
                    continue;
                }

                var fd = Libc.OpenAt(stack[^1], name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                if (fd < 0)
                {
                    return -Libc.LastError();
                }

                UnixFileType type;
                try
                {
                    type = FileNodes.OfDescriptor(fd).Type;
                }
                catch
                {
                    Libc.Close(fd);
                    throw;
                }

                if (type == UnixFileType.Symlink)
                {
                    var target = ReadLink(fd);
                    Libc.Close(fd);
                    if (++links > MaxSymlinks)
                    {
                        return -Libc.ELOOP;
                    }

                    if (target.StartsWith('/'))
                    {
                        return -Libc.EXDEV;
                    }

                    foreach (var part in target.Split('/').Reverse())
                    {
                        pending.AddFirst(part);
                    }

                    continue;
                }

                if (type != UnixFileType.Directory && pending.Any(p => p is not ("" or ".")))
                {
                    Libc.Close(fd);
                    return -Libc.ENOTDIR;
                }

                stack.Add(fd);
            }

            var result = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return result;
        }
        finally
        {
            foreach (var fd in stack)
            {
                Libc.Close(fd);
            }
        }
    }

    /// <summary>
    /// The kubelet's SafeMakeDir: each missing component is made with mkdirat(2) in the directory
    /// resolved (beneath the root) for the components before it, given the root's mode, then
    /// resolved again beneath the root, so a directory swapped for a symlink meanwhile is judged
    /// like any other symlink.
    /// </summary>
    private static int CreateMissing(int rootFd, string[] parts, Func<int, int> resolve)
    {
        var mode = FileNodes.OfDescriptor(rootFd).Mode & 0xFFFu;
        var parent = resolve(0);
        if (parent < 0)
        {
            return parent;
        }

        try
        {
            for (var i = 1; i <= parts.Length; i++)
            {
                var next = resolve(i);
                if (next == -Libc.ENOENT)
                {
                    if (Libc.MkdirAt(parent, parts[i - 1], mode) == 0)
                    {
                        SetMode(parent, parts[i - 1], mode);
                    }
                    else if (Libc.LastError() is var errno && errno != Libc.EEXIST)
                    {
                        return -errno;
                    }

                    next = resolve(i);
                }

                if (next < 0)
                {
                    return next;
                }

                Libc.Close(parent);
                parent = next;
            }

            var result = parent;
            parent = -1;
            return result;
        }
        finally
        {
            if (parent >= 0)
            {
                Libc.Close(parent);
            }
        }
    }

    /// <summary>mkdirat's mode passed through the umask: set it as asked. O_NOFOLLOW and
    /// O_DIRECTORY make this touch only the directory just made (a symlink or FIFO put in its
    /// place fails the open before anything blocks).</summary>
    private static void SetMode(int parent, string name, uint mode)
    {
        var fd = Libc.OpenAt(parent, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            Libc.Fchmod(fd, mode);
            Libc.Close(fd);
        }
    }

    private static int Reopen(int dirFd)
    {
        var fd = Libc.OpenAt(dirFd, ".", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? fd : -Libc.LastError();
    }

    /// <summary>A symlink's text, read from its own O_PATH descriptor (an empty path), so it is
    /// the link that was opened and checked, not whatever has its name now.</summary>
    private static string ReadLink(int fd)
    {
        var buffer = new byte[4096]; // PATH_MAX: no link text is longer
        var length = Libc.ReadLinkAt(fd, "", buffer, (nuint)buffer.Length);
        return length < 0 ? throw Libc.Error($"readlink of descriptor {fd}", Libc.LastError()) : Encoding.UTF8.GetString(buffer, 0, (int)length);
    }

    private static BeneathException Failure(int errno, string relative, string root)
    {
        var failure = errno switch
        {
            Libc.EXDEV => BeneathFailure.Escapes,
            Libc.ENOENT => BeneathFailure.Missing,
            Libc.ENOTDIR => BeneathFailure.NotDirectory,
            Libc.ELOOP => BeneathFailure.TooManyLinks,
            Libc.EACCES or Libc.EPERM => BeneathFailure.Denied,
            _ => BeneathFailure.Other,
        };
        var why = failure == BeneathFailure.Escapes ? "resolves outside of it" : Libc.Error("cannot open", errno).Message;
        return new BeneathException(failure, $"{relative} beneath {root}: {why}", errno);
    }
}
