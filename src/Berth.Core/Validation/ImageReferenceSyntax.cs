using System.Text.RegularExpressions;

namespace Berth.Core.Validation;

/// <summary>
/// Whether a container's image is a reference by the docker/distribution grammar (the one the
/// kubelet and CRI runtimes share): [host[:port]/]path[:tag][@digest]. Berth.Images parses and
/// normalizes references; this is only its syntax, so that <c>plan</c> (which never touches the
/// image store) refuses what <c>play</c> refuses, without Core depending on the image layer.
/// </summary>
public static partial class ImageReferenceSyntax
{
    // distribution/reference: the whole name is at most 255 characters.
    private const int MaxNameLength = 255;

    public static bool IsValid(string text)
    {
        var match = ReferencePattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var name = match.Groups["name"].Value;

        // A 64-character hex string is an image id, never a repository name (docker's rule).
        return name.Length <= MaxNameLength && !ImageIdPattern().IsMatch(name);
    }

    [GeneratedRegex(@"^(?<name>(?:(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();

    [GeneratedRegex("^(?:(?:index\\.)?docker\\.io/)?[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageIdPattern();
}
