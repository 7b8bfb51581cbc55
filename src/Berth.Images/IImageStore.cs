namespace Berth.Images;

/// <summary>
/// Where the runtime gets root filesystems from. The local directory store is the first
/// implementation; an OCI registry and content store replaces it behind this interface.
/// </summary>
public interface IImageStore
{
    /// <summary>
    /// Copies <paramref name="rootfsDir"/> into the store as a new image tagged
    /// <paramref name="reference"/>. The tag moves to the new image; the image it pointed to before
    /// is removed once no tag references it.
    /// </summary>
    Task<ImageRecord> ImportAsync(string rootfsDir, ImageReference reference, CancellationToken ct);

    /// <summary>One record per tag.</summary>
    IReadOnlyList<ImageRecord> List();

    /// <summary>
    /// By "name", "name:tag", a full id or a unique id prefix (at least
    /// <see cref="ImageId.MinPrefixLength"/> hex digits, "sha256:" optional); null when nothing matches.
    /// </summary>
    /// <exception cref="FormatException">Neither a valid reference nor an id.</exception>
    /// <exception cref="ArgumentException">An id prefix that matches several images.</exception>
    ImageRecord? Find(string reference);

    /// <summary>
    /// Removes a tag, and the image once no tag references it; an id removes the image with all its
    /// tags. Whether a container still uses the image is the caller's question.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Nothing matches <paramref name="reference"/>.</exception>
    Task RemoveAsync(string reference, CancellationToken ct);
}
