using Berth.Core.Manifests;

namespace Berth.Core.Security.PodSecurity;

/// <summary>
/// The namespace labels that set a policy, read as pod-security-admission api.PolicyToEvaluate
/// reads them. A label overrides the node's default for its mode; a namespace without labels
/// gets the defaults.
/// <para>A bad value is a field error naming the label, and the mode falls back as PSA's does:
/// an invalid <c>enforce</c> level enforces <c>restricted</c> (fail closed); an invalid
/// <c>audit</c> or <c>warn</c> level is <c>privileged</c> (fail open); an invalid version is
/// <c>latest</c>. The API server refuses to create a namespace whose labels have errors and,
/// for a namespace that already has them, evaluates pods with that fallback policy and records
/// the errors in the audit annotation; the caller decides which of the two it does.</para>
/// <para>When the namespace sets an enforce level but no warn level, warn is raised to the
/// enforce level (and version, unless a warn version is set) if that is stricter; PSA does
/// this so that objects enforce does not check (pod templates) still warn.</para>
/// </summary>
public static class PodSecurityLabels
{
    public const string Prefix = "pod-security.kubernetes.io/";
    public const string Enforce = Prefix + "enforce";
    public const string EnforceVersion = Prefix + "enforce-version";
    public const string Audit = Prefix + "audit";
    public const string AuditVersion = Prefix + "audit-version";
    public const string Warn = Prefix + "warn";
    public const string WarnVersion = Prefix + "warn-version";

    /// <param name="source">Where the labels come from (the namespace's manifest), for the errors.</param>
    public static (PodSecurityPolicy Policy, IReadOnlyList<FieldError> Errors) PolicyFor(
        IReadOnlyDictionary<string, string>? labels, PodSecurityPolicy defaults, string source)
    {
        if (labels is null || labels.Count == 0)
        {
            return (defaults, []);
        }

        var errors = new List<FieldError>();
        var enforce = defaults.Enforce;
        var audit = defaults.Audit;
        var warn = defaults.Warn;
        var hasEnforceLevel = false;

        if (labels.TryGetValue(Enforce, out var text))
        {
            var level = Level(text, Enforce, source, errors);
            hasEnforceLevel = level is not null;
            enforce = enforce with { Level = level ?? PodSecurityLevel.Restricted };
        }

        if (labels.TryGetValue(EnforceVersion, out text))
        {
            enforce = enforce with { Version = Version(text, EnforceVersion, source, errors) };
        }

        if (labels.TryGetValue(Audit, out text))
        {
            audit = audit with { Level = Level(text, Audit, source, errors) ?? PodSecurityLevel.Privileged };
        }

        if (labels.TryGetValue(AuditVersion, out text))
        {
            audit = audit with { Version = Version(text, AuditVersion, source, errors) };
        }

        var hasWarnLevel = false;
        if (labels.TryGetValue(Warn, out text))
        {
            hasWarnLevel = true;
            warn = warn with { Level = Level(text, Warn, source, errors) ?? PodSecurityLevel.Privileged };
        }

        var hasWarnVersion = false;
        if (labels.TryGetValue(WarnVersion, out text))
        {
            hasWarnVersion = true;
            warn = warn with { Version = Version(text, WarnVersion, source, errors) };
        }

        if (!hasWarnLevel && hasEnforceLevel && enforce.Level > warn.Level)
        {
            warn = new PodSecurityLevelVersion(enforce.Level, hasWarnVersion ? warn.Version : enforce.Version);
        }

        return (new PodSecurityPolicy(enforce, audit, warn), errors);
    }

    private static PodSecurityLevel? Level(string text, string label, string source, List<FieldError> errors)
    {
        var level = PodSecurityLevels.Parse(text);
        if (level is null)
        {
            errors.Add(Invalid(source, label, text, PodSecurityLevels.Expected));
        }

        return level;
    }

    private static PodSecurityVersion Version(string text, string label, string source, List<FieldError> errors)
    {
        var version = PodSecurityVersion.Parse(text);
        if (version is null)
        {
            errors.Add(Invalid(source, label, text, PodSecurityVersion.Expected));
        }

        return version ?? PodSecurityVersion.Latest;
    }

    private static FieldError Invalid(string source, string label, string value, string reason) =>
        new(source, $"metadata.labels[{label}]", $"Invalid value: \"{value}\": {reason}");
}
