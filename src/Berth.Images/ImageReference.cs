using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Berth.Images;

/// <summary>
/// An image name with a tag, a digest or both, in the familiar form docker and the kubelet
/// display: "busybox:latest", not "docker.io/library/busybox:latest". The constructor normalizes
/// the same way, so two references to the same image are always equal. <see cref="Registry"/> and
/// <see cref="RemoteName"/> give the canonical form a registry is asked for.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultTag = "latest";

    /// <summary>Where short names live: docker's default registry.</summary>
    public const string DefaultRegistry = "docker.io";

    // The docker/distribution reference grammar, the one the kubelet and CRI runtimes share.
    private const int MaxNameLength = 255;

    public ImageReference(string repository, string tag)
        : this(repository, tag, null)
    {
    }

    /// <param name="tag">Null only with a digest: "name@sha256:..." has no tag.</param>
    public ImageReference(string repository, string? tag, Digest? digest)
    {
        ArgumentNullException.ThrowIfNull(repository);
        if (tag is null && digest is null)
        {
            throw new ArgumentException("a reference needs a tag, a digest or both", nameof(tag));
        }

        if (NormalizeRepository(repository, out var familiar) is { } repositoryError)
        {
            throw new ArgumentException($"invalid repository \"{repository}\": {repositoryError}", nameof(repository));
        }

        if (tag is not null && CheckTag(tag) is { } tagError)
        {
            throw new ArgumentException($"invalid tag \"{tag}\": {tagError}", nameof(tag));
        }

        Repository = familiar;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The familiar name: a registry host only when it is not Docker Hub.</summary>
    public string Repository { get; }

    /// <summary>Null for a reference by digest alone.</summary>
    public string? Tag { get; }

    /// <summary>The manifest or index digest this reference pins, when it pins one.</summary>
    public Digest? Digest { get; }

    /// <summary>The registry host (with its port): "docker.io" for Docker Hub names.</summary>
    public string Registry => SplitRegistry(Repository).Registry;

    /// <summary>The repository path the registry serves: "library/busybox" for "busybox".</summary>
    public string RemoteName => SplitRegistry(Repository).Path;

    /// <summary>Registry and path, as containerd and the kubelet spell the name: "docker.io/library/busybox".</summary>
    public string CanonicalName => $"{Registry}/{RemoteName}";

    /// <summary>What a registry's manifest endpoint is asked for: the digest when pinned, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag!;

    /// <summary>This name with another tag and no digest.</summary>
    public ImageReference WithTag(string tag) => new(Repository, tag, null);

    /// <summary>This name pinned to <paramref name="digest"/>, without a tag.</summary>
    public ImageReference WithDigest(Digest digest) => new(Repository, null, digest);

    public void Deconstruct(out string repository, out string? tag)
    {
        repository = Repository;
        tag = Tag;
    }

    /// <summary>
    /// "busybox" → busybox:latest; "busybox:1.36"; "localhost:5000/team/app:v1" (the colon of a
    /// registry port is not a tag); "busybox@sha256:…" and "busybox:1.36@sha256:…".
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

    public override string ToString() =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <returns>Null on success, else why <paramref name="text"/> is not a reference.</returns>
    private static string? Read(string text, out ImageReference reference)
    {
        reference = null!;
        if (text.Length == 0)
        {
            return "it is empty";
        }

        Digest? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Images.Digest.TryParse(text[(at + 1)..], out digest))
            {
                return $"\"{text[(at + 1)..]}\" is not a digest (sha256:<64 lowercase hex digits>)";
            }

            text = text[..at];
        }

        // A tag is whatever follows the last colon after the last slash; a colon before that
        // slash belongs to a registry's port.
        var name = text;
        string? tag = digest is null ? DefaultTag : null;
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

        if (tag is not null && CheckTag(tag) is { } tagError)
        {
            return $"tag \"{tag}\": {tagError}";
        }

        reference = new ImageReference(repository, tag, digest);
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

    /// <summary>Docker Hub for names without a host, with the "library/" of official images put back.</summary>
    private static (string Registry, string Path) SplitRegistry(string familiar)
    {
        var slash = familiar.IndexOf('/');
        if (slash >= 0)
        {
            var first = familiar[..slash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                return (first, familiar[(slash + 1)..]);
            }

            return (DefaultRegistry, familiar);
        }

        return (DefaultRegistry, "library/" + familiar);
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
