using System.Text.Json.Serialization;

namespace Berth.Images.Oci;

// The JSON documents of the OCI image spec (Docker's v2 schema 2 has the same shapes). Fields
// Berth does not use are left out; unknown fields are ignored on reading, and documents that
// Berth writes (manifests for loaded docker archives, layouts it saves) use only these.

/// <summary>A reference to content: what it is, its digest and its size.</summary>
internal sealed record Descriptor(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size)
{
    [JsonPropertyName("urls")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("platform")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlatformDocument? Platform { get; init; }
}

internal sealed record PlatformDocument(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os)
{
    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }
}

/// <summary>An image manifest: one config and its layers, lowest first.</summary>
internal sealed record ManifestDocument(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("config")] Descriptor Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<Descriptor> Layers)
{
    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; init; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>An image index (Docker: manifest list), also the index.json of an image layout.</summary>
internal sealed record IndexDocument(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("manifests")] IReadOnlyList<Descriptor> Manifests)
{
    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; init; }
}

/// <summary>Just enough of any manifest-like document to tell which kind it is.</summary>
internal sealed record MediaTypeProbe(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("manifests")] IReadOnlyList<Descriptor>? Manifests,
    [property: JsonPropertyName("config")] Descriptor? Config);

/// <summary>The image config (OCI "application/vnd.oci.image.config.v1+json", Docker's image JSON).</summary>
internal sealed record ConfigDocument(
    [property: JsonPropertyName("architecture")] string? Architecture,
    [property: JsonPropertyName("os")] string? Os,
    [property: JsonPropertyName("rootfs")] RootfsDocument? Rootfs)
{
    [JsonPropertyName("created")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }

    [JsonPropertyName("config")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContainerConfigDocument? Config { get; init; }

    [JsonPropertyName("history")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HistoryDocument>? History { get; init; }
}

internal sealed record RootfsDocument(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("diff_ids")] IReadOnlyList<string> DiffIds);

internal sealed record HistoryDocument(
    [property: JsonPropertyName("created")] DateTimeOffset? Created,
    [property: JsonPropertyName("created_by")] string? CreatedBy);

/// <summary>The "config" object: capitalized names, as Docker wrote them first.</summary>
internal sealed record ContainerConfigDocument
{
    [JsonPropertyName("User")]
    public string? User { get; init; }

    [JsonPropertyName("ExposedPorts")]
    public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }

    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }
}

/// <summary>The "{}" values of ExposedPorts.</summary>
internal sealed record EmptyObject;

/// <summary>One entry of a docker save archive's manifest.json.</summary>
internal sealed record DockerArchiveEntry(
    [property: JsonPropertyName("Config")] string Config,
    [property: JsonPropertyName("RepoTags")] IReadOnlyList<string>? RepoTags,
    [property: JsonPropertyName("Layers")] IReadOnlyList<string> Layers);

/// <summary>The oci-layout file of an image layout.</summary>
internal sealed record LayoutMarker([property: JsonPropertyName("imageLayoutVersion")] string ImageLayoutVersion);

[JsonSourceGenerationOptions(RespectNullableAnnotations = false, AllowTrailingCommas = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(IndexDocument))]
[JsonSerializable(typeof(MediaTypeProbe))]
[JsonSerializable(typeof(ConfigDocument))]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
[JsonSerializable(typeof(LayoutMarker))]
[JsonSerializable(typeof(ContainerConfigDocument))]
internal sealed partial class OciJson : JsonSerializerContext;
