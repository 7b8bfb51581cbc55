namespace Berth.Linux.Cgroups;

/// <summary>A cgroup operation failed: names the file and what was written.</summary>
public sealed class CgroupException(string message, Exception? inner = null) : IOException(message, inner);
