namespace Berth.Oci.Spec;

/// <summary>runtime-spec namespace type names and the /proc/&lt;pid&gt;/ns entry of each.</summary>
public static class NamespaceTypes
{
    public const string Network = "network";
    public const string Ipc = "ipc";
    public const string Uts = "uts";
    public const string Pid = "pid";
    public const string Mount = "mount";
    public const string Cgroup = "cgroup";
    public const string User = "user";

    public static string ProcEntry(string type) => type switch
    {
        Network => "net",
        Mount => "mnt",
        _ => type,
    };
}
