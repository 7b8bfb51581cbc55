using System.Globalization;

namespace Berth.Linux;

/// <summary>
/// The namespaces a process is in, identified by inode as the kernel reports them in
/// /proc/&lt;pid&gt;/ns: two processes share a namespace exactly when the inodes are equal.
/// </summary>
public static class NamespaceInodes
{
    private const string ForChildren = "_for_children";

    /// <summary>Every entry of /proc/&lt;pid&gt;/ns (cgroup, ipc, mnt, net, pid,
    /// pid_for_children, time, user, uts, ... as this kernel has them) by type. A process that
    /// exits while it is read has no namespaces left: the result is then empty, never partial.</summary>
    public static IReadOnlyDictionary<string, ulong> Read(int pid)
    {
        var inodes = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        try
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(NsDirectory(pid)))
            {
                var type = Path.GetFileName(link);
                inodes[type] = Parse(type, ReadLink(link));
            }
        }
        catch (Exception e) when ((e is IOException or InvalidDataException or UnauthorizedAccessException) && ProcessTable.IsExiting(pid))
        {
            return new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        }

        return inodes;
    }

    public static ulong Of(int pid, string type)
    {
        return Parse(type, ReadLink(NamespacePaths.Of(pid, type)));
    }

    /// <summary>"net:[4026531992]" → 4026531992. The link names the namespace kind, which for
    /// pid_for_children and time_for_children is "pid" and "time".</summary>
    internal static ulong Parse(string type, string target)
    {
        var kind = type.EndsWith(ForChildren, StringComparison.Ordinal) ? type[..^ForChildren.Length] : type;
        var prefix = kind + ":[";
        if (!target.StartsWith(prefix, StringComparison.Ordinal) || !target.EndsWith(']'))
        {
            throw new InvalidDataException($"namespace link {type} points to '{target}', not '{prefix}<inode>]'");
        }

        return ulong.Parse(target.AsSpan(prefix.Length, target.Length - prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static string NsDirectory(int pid) => $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns";

    private static string ReadLink(string link) =>
        new FileInfo(link).LinkTarget ?? throw new InvalidDataException($"{link} is not a symlink");
}
