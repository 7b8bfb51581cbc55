using System.Text.RegularExpressions;

namespace Berth.Core.Validation;

/// <summary>RFC 1123 name rules as Kubernetes applies them (apimachinery/pkg/util/validation).</summary>
public static partial class Dns1123
{
    public const int LabelMaxLength = 63;
    public const int SubdomainMaxLength = 253;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainRegex();

    /// <summary>Null when valid, else the reason.</summary>
    public static string? CheckLabel(string value) =>
        value.Length > LabelMaxLength ? $"must be no more than {LabelMaxLength} characters"
        : LabelRegex().IsMatch(value) ? null
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";

    /// <summary>Null when valid, else the reason.</summary>
    public static string? CheckSubdomain(string value) =>
        value.Length > SubdomainMaxLength ? $"must be no more than {SubdomainMaxLength} characters"
        : SubdomainRegex().IsMatch(value) ? null
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
}
