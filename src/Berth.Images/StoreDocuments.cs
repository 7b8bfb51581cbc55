using System.Text.Json.Serialization;

namespace Berth.Images;

/// <summary>&lt;root&gt;/&lt;id&gt;/image.json: what the store knows about one image.</summary>
internal sealed record ImageDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tag")] string Tag,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("size")] long Size);

/// <summary>&lt;root&gt;/index.json: "repository:tag" → image id, the only place tags live.</summary>
internal sealed record IndexDocument(
    [property: JsonPropertyName("references")] SortedDictionary<string, string> References);

[JsonSourceGenerationOptions(WriteIndented = true, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(ImageDocument))]
[JsonSerializable(typeof(IndexDocument))]
internal sealed partial class StoreJson : JsonSerializerContext;
