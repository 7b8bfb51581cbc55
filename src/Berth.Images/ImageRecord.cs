namespace Berth.Images;

/// <summary>One tagged image in a store: a row of "berth images".</summary>
/// <param name="Size">Bytes of the regular files in the root filesystem.</param>
/// <param name="RootfsPath">The unpacked root filesystem, ready to be a container's root.</param>
public sealed record ImageRecord(string Id, ImageReference Reference, DateTimeOffset Created, long Size, string RootfsPath);
