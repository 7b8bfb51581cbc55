using System.Globalization;

namespace Berth.Linux;

/// <summary>Where a process's namespaces are joined or pinned from: /proc/&lt;pid&gt;/ns/&lt;type&gt;.
/// Built here only, so the path has one spelling.</summary>
public static class NamespacePaths
{
    public static string Of(int pid, string type)
    {
        if (type.Length == 0 || type.Contains('/', StringComparison.Ordinal) || type is "." or "..")
        {
            throw new ArgumentException($"'{type}' is not a namespace type", nameof(type));
        }

        return $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/{type}";
    }
}
