using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Berth.Images;

/// <summary>
/// An image name and tag in the familiar form docker and the kubelet display: "busybox:latest",
/// not "docker.io/library/busybox:latest". The constructor normalizes the same way, so two
/// references to the same image are always equal.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultTag = "latest";

    // The docker/distribution reference grammar, the one the kubelet and CRI runtimes share.
    private const int MaxNameLength = 255;

    public ImageReference(string repository, string tag)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(tag);
        if (NormalizeRepository(repository, out var familiar) is { } repositoryError)
        {
            throw new ArgumentException($"invalid repository \"{repository}\": {repositoryError}", nameof(repository));
        }

        if (CheckTag(tag) is { } tagError)
        {
            throw new ArgumentException($"invalid tag \"{tag}\": {tagError}", nameof(tag));
        }

        Repository = familiar;
        Tag = tag;
    }

    /// <summary>The familiar name: a registry host only when it is not Docker Hub.</summary>
    public string Repository { get; }

    public string Tag { get; }

    public void Deconstruct(out string repository, out string tag)
    {
        repository = Repository;
        tag = Tag;
    }

    /// <summary>
    /// "busybox" → busybox:latest; "busybox:1.36"; "localhost:5000/team/app:v1" (the colon of a
    /// registry port is not a tag). Digests are not supported yet.
    /// </summary>
    /// <exception cref="FormatException">The text is not a valid reference; the message names it.</exception>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Read(text, out var reference) is { } error)
        {
            throw new FormatException($"invalid image reference \"{text}\": {error}");
        }

        return reference;
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ImageReference? reference)
    {
        reference = null;
        return text is not null && Read(text, out reference) is null;
    }

    public override string ToString() => $"{Repository}:{Tag}";

    /// <returns>Null on success, else why <paramref name="text"/> is not a reference.</returns>
    private static string? Read(string text, out ImageReference reference)
    {
        reference = null!;
        if (text.Length == 0)
        {
            return "it is empty";
        }

        if (text.Contains('@', StringComparison.Ordinal))
        {
            return "digest references (name@sha256:...) are not supported yet";
        }

        // A tag is whatever follows the last colon after the last slash; a colon before that
        // slash belongs to a registry's port.
        var name = text;
        var tag = DefaultTag;
        var colon = text.LastIndexOf(':');
        if (colon > text.LastIndexOf('/'))
        {
            name = text[..colon];
            tag = text[(colon + 1)..];
        }

        if (NormalizeRepository(name, out var repository) is { } nameError)
        {
            return nameError;
        }

        if (CheckTag(tag) is { } tagError)
        {
            return $"tag \"{tag}\": {tagError}";
        }

        reference = new ImageReference(repository, tag);
        return null;
    }

    private static string? NormalizeRepository(string name, out string familiar)
    {
        familiar = name;
        if (name.Length == 0)
        {
            return "the repository name is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"the repository name is longer than {MaxNameLength} characters";
        }

        // docker's splitDockerDomain: the first component names a registry when it looks like a
        // host (a dot, a port, "localhost") or has capitals, which a path component never may.
        string? domain = null;
        var path = name;
        var slash = name.IndexOf('/');
        if (slash >= 0)
        {
            var first = name[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                domain = first;
                path = name[(slash + 1)..];
            }
        }

        if (domain is not null && !DomainPattern().IsMatch(domain))
        {
            return $"\"{domain}\" is not a valid registry host";
        }

        foreach (var component in path.Split('/'))
        {
            if (!PathComponentPattern().IsMatch(component))
            {
                return component.Any(char.IsAsciiLetterUpper)
                    ? "repository names must be lowercase"
                    : component.Length == 0
                        ? "the repository name has an empty path component"
                        : $"\"{component}\" is not a valid path component (lowercase letters and digits, separated by '.', '_', '__' or dashes)";
            }
        }

        if (domain is "docker.io" or "index.docker.io")
        {
            domain = null;
        }

        if (domain is null)
        {
            // An image id is never a name: "berth run <id>" must not pull a repository by that name.
            if (ImageId.IsFull(path))
            {
                return "a 64-character hexadecimal string is an image id, not a repository name";
            }

            if (path.StartsWith("library/", StringComparison.Ordinal) && path.IndexOf('/', "library/".Length) < 0)
            {
                path = path["library/".Length..];
            }
        }

        familiar = domain is null ? path : $"{domain}/{path}";
        return null;
    }

    private static string? CheckTag(string tag) =>
        TagPattern().IsMatch(tag) ? null : "tags are 1 to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'";

    [GeneratedRegex(@"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(?:\.(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*(?::[0-9]+)?\z")]
    private static partial Regex DomainPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\z")]
    private static partial Regex PathComponentPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z")]
    private static partial Regex TagPattern();
}
