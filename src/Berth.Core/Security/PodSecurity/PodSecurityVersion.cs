using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The Pod Security Standards version a policy is pinned to: <c>latest</c>, or <c>v1.N</c>
/// (pod-security-admission api.ParseVersion). The default value is <c>latest</c>. A check's
/// variants start at a minor version; <c>latest</c> and any version beyond the newest variant
/// get the newest one, as PSA clamps them to its newest known version.
/// </summary>
public readonly partial record struct PodSecurityVersion
{
    /// <summary>api.ParseVersion's error text.</summary>
    public const string Expected = "must be \"latest\" or \"v1.x\"";

    private PodSecurityVersion(int? minor) => Minor = minor;

    public static PodSecurityVersion Latest => default;

    /// <summary>The minor version of v1.N; null for <c>latest</c>.</summary>
    public int? Minor { get; }

    public bool IsLatest => Minor is null;

    public static PodSecurityVersion V1(int minor) =>
        minor >= 0 ? new(minor) : throw new ArgumentOutOfRangeException(nameof(minor), minor, "a minor version is not negative");

    /// <summary>True when a check variant that starts at v1.<paramref name="minor"/> applies.</summary>
    public bool IsAtLeast(int minor) => Minor is not { } own || own >= minor;

    /// <summary>Null when <paramref name="text"/> is neither <c>latest</c> nor <c>v1.N</c>
    /// (no leading zeros, as PSA's pattern).</summary>
    public static PodSecurityVersion? Parse(string? text)
    {
        if (text == "latest")
        {
            return Latest;
        }

        var match = text is null ? null : Pattern().Match(text);
        return match is { Success: true } && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? new PodSecurityVersion(minor)
            : null;
    }

    public override string ToString() => Minor is { } minor ? $"v1.{minor.ToString(CultureInfo.InvariantCulture)}" : "latest";

    [GeneratedRegex(@"^v1\.([0-9]|[1-9][0-9]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>A level at a version, written as PSA writes it in messages: <c>baseline:latest</c>.</summary>
public readonly record struct PodSecurityLevelVersion(PodSecurityLevel Level, PodSecurityVersion Version)
{
    public static PodSecurityLevelVersion PrivilegedLatest => new(PodSecurityLevel.Privileged, PodSecurityVersion.Latest);

    public override string ToString() => $"{Level.Name()}:{Version}";
}
