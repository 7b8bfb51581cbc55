namespace Berth.Core.Planning;

/// <summary>
/// A cgroup named by its components, independent of the driver, rendered as the kubelet renders it
/// (pkg/kubelet/cm/cgroup_manager_linux.go CgroupName.ToCgroupfs / ToSystemd).
/// </summary>
public sealed record CgroupName(IReadOnlyList<string> Components)
{
    public const string KubepodsComponent = "kubepods";

    /// <summary>The cgroup root as configured for a driver: "/" (none), "/a/b" for cgroupfs,
    /// "a.slice" or "/a.slice/a-b.slice" for systemd.</summary>
    public static CgroupName Root(string root, CgroupDriver driver)
    {
        var trimmed = root.Trim('/');
        if (trimmed.Length == 0)
        {
            return new CgroupName([]);
        }

        if (driver == CgroupDriver.Cgroupfs)
        {
            return new CgroupName(trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries));
        }

        // systemd: the last slice's name carries every ancestor ("a-b.slice" is a/b).
        var leaf = trimmed.Split('/').Last();
        if (leaf.EndsWith(".slice", StringComparison.Ordinal))
        {
            leaf = leaf[..^".slice".Length];
        }

        return new CgroupName([.. leaf.Split('-').Select(c => c.Replace('_', '-'))]);
    }

    /// <summary>The pod cgroup: kubepods[/burstable|/besteffort]/pod&lt;uid&gt; under the root.</summary>
    public static CgroupName ForPod(CgroupName root, QosClass qos, string uid) =>
        root.Child(KubepodsComponent).ChildForQos(qos).Child("pod" + uid);

    public static CgroupName ForQos(CgroupName root, QosClass qos) => root.Child(KubepodsComponent).ChildForQos(qos);

    public CgroupName Child(string component) => new([.. Components, component]);

    private CgroupName ChildForQos(QosClass qos) => qos switch
    {
        QosClass.Burstable => Child("burstable"),
        QosClass.BestEffort => Child("besteffort"),
        _ => this,
    };

    public string ToCgroupfs() => "/" + string.Join('/', Components);

    /// <summary>Each level is a slice named after all its ancestors, '-' inside a component escaped as '_'.</summary>
    public string ToSystemd()
    {
        if (Components.Count == 0)
        {
            return "/";
        }

        var slices = new List<string>();
        var prefix = "";
        foreach (var component in Components)
        {
            prefix = prefix.Length == 0 ? component.Replace('-', '_') : $"{prefix}-{component.Replace('-', '_')}";
            slices.Add(prefix + ".slice");
        }

        return "/" + string.Join('/', slices);
    }

    public string Render(CgroupDriver driver) => driver == CgroupDriver.Systemd ? ToSystemd() : ToCgroupfs();
}
