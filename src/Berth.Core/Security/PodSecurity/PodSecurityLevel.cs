namespace Berth.Core.Security.PodSecurity;

/// <summary>The Pod Security Standards' levels, least to most restrictive: the order is the
/// order of k8s.io/pod-security-admission api.CompareLevels, so levels compare with &lt; and &gt;.</summary>
public enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}

/// <summary>Level names as the labels and PodSecurityConfiguration spell them
/// (pod-security-admission api.ParseLevel: exact, lower case).</summary>
public static class PodSecurityLevels
{
    /// <summary>api.ParseLevel's error text.</summary>
    public const string Expected = "must be one of privileged, baseline, restricted";

    public static string Name(this PodSecurityLevel level) => level switch
    {
        PodSecurityLevel.Privileged => "privileged",
        PodSecurityLevel.Baseline => "baseline",
        PodSecurityLevel.Restricted => "restricted",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    /// <summary>Null when <paramref name="text"/> is not exactly one of the three names.</summary>
    public static PodSecurityLevel? Parse(string? text) => text switch
    {
        "privileged" => PodSecurityLevel.Privileged,
        "baseline" => PodSecurityLevel.Baseline,
        "restricted" => PodSecurityLevel.Restricted,
        _ => null,
    };
}
