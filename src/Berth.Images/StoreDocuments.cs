using System.Text.Json.Serialization;

namespace Berth.Images;

/// <summary>One name in index.json: what it resolved to when it was pulled, loaded or imported.</summary>
/// <param name="Target">The digest the name stands for in its registry: an index or a manifest.</param>
/// <param name="Manifest">The manifest of this node's platform (the target itself unless it is an index).</param>
/// <param name="Id">The image id: the config digest's hex.</param>
internal sealed record NameEntry(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("manifest")] string Manifest,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("origin")] ImageOrigin Origin = ImageOrigin.Pulled);

/// <summary>&lt;root&gt;/index.json: "repository:tag" (or "repository@digest") → digests, the only place names live.</summary>
internal sealed record NamesDocument(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("references")] SortedDictionary<string, NameEntry> References);

/// <summary>One layer of a stored image.</summary>
internal sealed record StoredLayer(
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("diffId")] string DiffId,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("size")] long Size);

/// <summary>
/// &lt;root&gt;/images/&lt;manifest hex&gt;.json: what the store derived from an image's manifest and
/// config, so that listing images reads one small file per image.
/// </summary>
internal sealed record StoredImage(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("manifest")] string Manifest,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<StoredLayer> Layers,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("added")] DateTimeOffset Added,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("imageConfig")] ImageConfig ImageConfig);

/// <summary>&lt;root&gt;/last-used.json: image id → when a container last started from it.</summary>
internal sealed record UsageDocument(
    [property: JsonPropertyName("lastUsed")] SortedDictionary<string, DateTimeOffset> LastUsed);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NamesDocument))]
[JsonSerializable(typeof(StoredImage))]
[JsonSerializable(typeof(UsageDocument))]
internal sealed partial class StoreJson : JsonSerializerContext;
