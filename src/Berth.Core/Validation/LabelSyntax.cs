using System.Text.RegularExpressions;

namespace Berth.Core.Validation;

/// <summary>
/// The syntax of label keys and values (k8s.io/apimachinery validation IsQualifiedName and
/// IsValidLabelValue): a key is an optional DNS-subdomain prefix and "/", then a name of at most
/// 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric; a value is such a name
/// or empty.
/// </summary>
public static partial class LabelSyntax
{
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    private const string NameRule = "must be 63 characters or less, of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";

    public static string? KeyProblem(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || Dns1123.CheckSubdomain(prefix) is not null)
            {
                return "the prefix must be a DNS subdomain (lower case alphanumerics, '-' and '.', at most 253 characters)";
            }
        }

        return name.Length is 0 or > 63 || !Name().IsMatch(name) ? $"the name part {NameRule}" : null;
    }

    public static string? ValueProblem(string value) =>
        value.Length == 0 || (value.Length <= 63 && Name().IsMatch(value)) ? null : $"a label value {NameRule}, or be empty";
}
