using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Linux;

namespace Berth.Runtime.Store;

/// <summary>
/// Records of one kind as JSON files named by id, each written atomically (temp, fsync, rename),
/// so a crash leaves either the old or the new record, never half of one.
/// </summary>
public sealed class RecordStore<T>(string directory)
    where T : class
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Directory { get; } = directory;

    public async Task SaveAsync(string id, T record, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        await AtomicFile.WriteAsync(PathOf(id), JsonSerializer.Serialize(record, Json), ct);
    }

    public T? Load(string id)
    {
        var path = PathOf(id);
        return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
    }

    public IEnumerable<T> LoadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (JsonSerializer.Deserialize<T>(File.ReadAllText(file), Json) is { } record)
            {
                yield return record;
            }
        }
    }

    public void Delete(string id) => File.Delete(PathOf(id));

    private string PathOf(string id)
    {
        if (id.Length == 0 || id.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
        {
            throw new ArgumentException($"invalid record id \"{id}\"", nameof(id));
        }

        return Path.Combine(Directory, id + ".json");
    }
}
