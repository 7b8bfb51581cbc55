using System.Text.Json;
using Berth.Images.Oci;

namespace Berth.Images.Registry;

/// <summary>Index resolution: which manifest of a multi-platform index this node runs.</summary>
internal static class PlatformIndex
{
    /// <summary>The index entry for <paramref name="platform"/>: the first that matches, as the index orders them.</summary>
    /// <param name="source">Where the index came from, for messages: an endpoint or an archive.</param>
    public static Descriptor Choose(byte[] content, Digest digest, Platform platform, string source)
    {
        IndexDocument? index;
        try
        {
            index = JsonSerializer.Deserialize(content, OciJson.Default.IndexDocument);
        }
        catch (JsonException e)
        {
            throw new RegistryException(RegistryErrorKind.Invalid, $"{source}: index {digest} is not valid JSON: {e.Message}", e);
        }

        var entries = index?.Manifests?.Where(m => m is not null && Digest.TryParse(m.Digest, out _)).ToList() ?? [];
        var match = entries.FirstOrDefault(m => m.Platform is { } p && platform.Matches(p.Os, p.Architecture, p.Variant) && MediaTypes.IsManifest(m.MediaType ?? MediaTypes.OciManifest));
        if (match is null)
        {
            var offered = entries.Where(m => m.Platform is not null).Select(m => $"{m.Platform!.Os}/{m.Platform.Architecture}{(m.Platform.Variant is null ? "" : "/" + m.Platform.Variant)}").Distinct().ToList();
            throw new RegistryException(RegistryErrorKind.NotFound, $"{source}: index {digest} has no image for {platform} (it has {(offered.Count == 0 ? "no platforms" : string.Join(", ", offered))})");
        }

        return match;
    }
}
