using Berth.Images;

namespace Berth.Cri.Images;

/// <summary>
/// How CRI spells image names: ids with their "sha256:" prefix, repo tags and digests with the
/// registry and full path ("docker.io/library/busybox:latest"), as containerd and CRI-O report
/// them and the kubelet compares them.
/// </summary>
internal static class ImageNames
{
    private const string IdPrefix = "sha256:";

    public static string Id(string hex) => IdPrefix + hex;

    public static string? RepoTag(ImageReference reference) =>
        reference.Tag is { } tag ? $"{reference.CanonicalName}:{tag}" : null;

    public static string? RepoDigest(string? repoDigest) =>
        repoDigest is not null && ImageReference.TryParse(repoDigest, out var reference) && reference.Digest is { } digest
            ? $"{reference.CanonicalName}@{digest}"
            : null;

    /// <summary>CRI's image_ref: the registry digest when there is one, else the id.</summary>
    public static string Ref(string id, string? repoDigest) => RepoDigest(repoDigest) ?? Id(id);

    /// <summary>Whether a request names an image by id ("sha256:…" or bare hex) rather than by name.</summary>
    public static bool IsId(string text) => text.StartsWith(IdPrefix, StringComparison.Ordinal) || ImageId.IsFull(text);
}
